/** Path of the contact-authentication endpoint, below `baseUrl`. */
export const AUTHENTICATE_USER_PATH = '/widget/authenticate-user';

/** Injection token of the validated options, with every default applied (`ResolvedOpenCxOptions`). */
export const OPENCX_RESOLVED_OPTIONS = 'OPENCX_RESOLVED_OPTIONS';

/**
 * Injection token of the module's own `HttpService` (its own axios instance with keep-alive
 * agents). Inject it to add axios interceptors, e.g. for tracing; it is separate from any
 * `HttpModule` the application registers.
 */
export const OPENCX_HTTP_SERVICE = 'OPENCX_HTTP_SERVICE';

/** Injection token of the undici dispatcher behind {@link OPENCX_HTTP_SERVICE} (internal). */
export const OPENCX_DISPATCHER = 'OPENCX_DISPATCHER';

/** Injection tokens of the internal token cache, rate limiter, Redis client and fleet lock (null when off). */
export const OPENCX_TOKEN_CACHE = 'OPENCX_TOKEN_CACHE';
export const OPENCX_RATE_LIMITER = 'OPENCX_RATE_LIMITER';
export const OPENCX_REDIS = 'OPENCX_REDIS';
export const OPENCX_FLEET_LOCK = 'OPENCX_FLEET_LOCK';

/** Injection token of the registration's name (`'default'` for the unnamed one). */
export const OPENCX_INSTANCE_NAME = 'OPENCX_INSTANCE_NAME';

/** Injection token of the registration's health monitor (internal). */
export const OPENCX_HEALTH_MONITOR = 'OPENCX_HEALTH_MONITOR';
