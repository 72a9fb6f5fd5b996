/** Path of the contact-authentication endpoint, below `baseUrl` (internal). */
export const AUTHENTICATE_USER_PATH = '/widget/authenticate-user';

/** Injection token of a registration's internals: options, transport and the steps of a call (internal). */
export const OPENCX_REGISTRATION = 'OPENCX_REGISTRATION';

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
