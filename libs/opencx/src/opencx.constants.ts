/** Path of the contact-authentication endpoint, below `baseUrl` (internal). */
export const AUTHENTICATE_USER_PATH = '/widget/authenticate-user';

/** The name of the registration made without `name`. */
export const DEFAULT_OPENCX_NAME = 'default';

/** Prefix of the string tokens of `ContactAuthService` registrations (see `getContactAuthToken`). */
export const CONTACT_AUTH_TOKEN_PREFIX = 'OpenCxContactAuthService';

/** Injection token of the registration's name (`'default'` for the unnamed one). */
export const OPENCX_INSTANCE_NAME = 'OPENCX_INSTANCE_NAME';

/** Injection token of what the registrations of one application share (internal). */
export const OPENCX_SHARED_STATE = 'OPENCX_SHARED_STATE';

/** Injection token of the options as given to `forRoot` / `forRootAsync`, before defaults (internal). */
export const OPENCX_MODULE_OPTIONS = 'OPENCX_MODULE_OPTIONS';

// The parts of one registration, each a provider of its module (internal): a test may replace one
// with `overrideProvider`. The parts that are classes are provided under their class.

/** The options read once, checked, with every default applied (`ResolvedOpenCxOptions`). */
export const OPENCX_OPTIONS = 'OPENCX_OPTIONS';

/** The registration's logger, named after it (`OpenCx`, or `OpenCx:<name>`). */
export const OPENCX_LOGGER = 'OPENCX_LOGGER';

/** The registration's own `HttpService` and keep-alive agents (`OpenCxHttpClient`). */
export const OPENCX_HTTP_CLIENT = 'OPENCX_HTTP_CLIENT';

/** The fleet store: the `store` option, the `redis` shorthand's, or this process's own. */
export const OPENCX_FLEET_STORE = 'OPENCX_FLEET_STORE';

/** The client-side rate limiter (`ClientRateLimiter`), or null with `rateLimit: false`. */
export const OPENCX_RATE_LIMITER = 'OPENCX_RATE_LIMITER';

/** The token cache (`TokenCache`), or null with `cache: false`. */
export const OPENCX_TOKEN_CACHE = 'OPENCX_TOKEN_CACHE';

/** Where spans and metrics go (`Telemetry`): OpenTelemetry when installed, else nowhere. */
export const OPENCX_TELEMETRY = 'OPENCX_TELEMETRY';
