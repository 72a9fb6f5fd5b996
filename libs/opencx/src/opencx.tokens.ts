import { OpenCxConfigurationError } from './errors/opencx.errors.js';
import { CONTACT_AUTH_TOKEN_PREFIX, DEFAULT_OPENCX_NAME } from './opencx.constants.js';

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Checks a registration name: letters, digits, `_`, `.` and `-`, at most 64 characters, so it
 * can appear in an injection token and a log context without quoting.
 */
export function checkOpenCxName(name: unknown): string {
  if (name === undefined) return DEFAULT_OPENCX_NAME;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new OpenCxConfigurationError(['name must be 1 to 64 letters, digits, "_", "." or "-"']);
  }
  return name;
}

/**
 * The injection token of the `ContactAuthService` registered under `name` (the unnamed
 * registration when omitted). Tokens are strings, so two copies of the package in one
 * application still agree on them.
 *
 * @example moduleRef.get<ContactAuthService>(getContactAuthToken('eu'))
 */
export function getContactAuthToken(name?: string): string {
  const checked = checkOpenCxName(name);
  return checked === DEFAULT_OPENCX_NAME ? CONTACT_AUTH_TOKEN_PREFIX : `${CONTACT_AUTH_TOKEN_PREFIX}:${checked}`;
}
