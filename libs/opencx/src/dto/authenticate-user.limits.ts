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
  /** Digits of a phone number (E.164 allows 15; a few more leave room for extensions). */
  phoneDigitsMin: 3,
  phoneDigitsMax: 20,
  phoneLength: 40,
  mcpServerIds: 100,
  mcpIdLength: 256,
} as const;

/** The body's fields, as OpenCX's API reference names them, and `mcp_access` (widget 5). */
export const AUTHENTICATE_USER_FIELDS = [
  'email',
  'name',
  'avatar_url',
  'phone',
  'language',
  'customData',
  'chat_context',
  'http_action_overrides',
  'mcp_access',
] as const satisfies ReadonlyArray<keyof AuthenticateUserInput>;
