import type { AuthenticateUserInput } from '../interfaces/authenticate-user-input.interface.js';

/**
 * Bounds the library enforces before anything reaches OpenCX. They are the library's own: OpenCX
 * documents none. The DTO's decorators, the per-call `extraFields` check and the docs' tables all
 * read them from here (a test keeps docs/configuration.md in step).
 */
export const AUTHENTICATE_USER_LIMITS = {
  emailLength: 254,
  nameLength: 256,
  avatarUrlLength: 2048,
  chatContextLength: 10_000,
  customDataBytes: 16_384,
  customDataDepth: 8,
  /** Keys in each `http_action_overrides` map. */
  overrideKeys: 50,
  overrideKeyLength: 256,
  overrideValueLength: 4096,
  bodyParamsBytes: 16_384,
  bodyParamsDepth: 8,
} as const;

/** The body's fields, as OpenCX's API reference names them. */
export const AUTHENTICATE_USER_FIELDS = [
  'email',
  'name',
  'avatar_url',
  'phone',
  'language',
  'customData',
  'chat_context',
  'http_action_overrides',
] as const satisfies ReadonlyArray<keyof AuthenticateUserInput>;
