import { validateSync } from 'class-validator';
import { AuthenticateUserDto } from '../dto/authenticate-user.dto.js';
import { AUTHENTICATE_USER_FIELDS, AUTHENTICATE_USER_LIMITS } from '../dto/authenticate-user.limits.js';
import { HttpActionOverridesDto } from '../dto/http-action-overrides.dto.js';
import { McpAccessDto } from '../dto/mcp-access.dto.js';
import { forbiddenKey, isPlainObject, jsonObjectProblem } from '../dto/opencx.validators.js';
import { OpenCxValidationError } from '../errors/opencx.errors.js';
import { canonicalJson } from '../util/canonical-json.js';
import { plainDataProblem } from './plain-data.js';

/** class-validator's options for the library's DTOs: unknown fields are errors; no value in an error. */
export const VALIDATION_OPTIONS = {
  forbidNonWhitelisted: true,
  whitelist: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
} as const;

/** Bounds of the per-call `extraFields`, the same as `customData`'s. */
const EXTRA_FIELDS_LIMITS = {
  maxBytes: AUTHENTICATE_USER_LIMITS.customDataBytes,
  maxDepth: AUTHENTICATE_USER_LIMITS.customDataDepth,
};
const KNOWN_FIELDS: ReadonlySet<string> = new Set(AUTHENTICATE_USER_FIELDS);
/** Override maps whose values OpenCX takes as strings. */
const STRING_MAPS = ['query_params', 'path_params', 'headers'] as const;

function invalid(field: string, message: string): OpenCxValidationError {
  return new OpenCxValidationError([{ field, messages: [message] }]);
}

/**
 * Copies own keys onto a new instance. class-transformer is not used here: it rebuilds free-form
 * objects key by key, so a JSON `"__proto__"` key becomes a prototype (silently dropped) and a
 * `"constructor"` key crashes it with a TypeError. Such keys are refused here, by name.
 */
export function toInstance<T extends object>(target: T, source: Record<string, unknown>, path: string): T {
  const bad = forbiddenKey(source);
  if (bad !== undefined) throw invalid(`${path}${bad}`, `property ${bad} is not allowed`);
  // Plain assignment is safe once the keys that could reach a prototype are refused above.
  for (const key of Object.keys(source)) (target as Record<string, unknown>)[key] = source[key];
  return target;
}

/**
 * Turns data of unknown shape (a request body, a queue message) into a new, validated
 * {@link AuthenticateUserDto}, or throws {@link OpenCxValidationError} naming every bad field.
 * Validation is class-validator's, by the rules the DTO declares. Unknown fields are errors, not
 * silently dropped: a typo such as `avatarUrl` should not lose data. The input is never changed;
 * in the copy, override values OpenCX takes as strings are strings.
 */
export function validateAuthenticateUser(input: unknown): AuthenticateUserDto {
  try {
    return validate(input);
  } catch (error) {
    if (error instanceof OpenCxValidationError) throw error;
    // A getter or proxy threw on the way: said by where, never by what it threw.
    const problem = plainDataProblem(input);
    throw problem
      ? invalid(problem.field || '(body)', problem.message)
      : invalid('(body)', 'the input could not be read as plain data');
  }
}

function validate(input: unknown): AuthenticateUserDto {
  if (!isPlainObject(input) && !(input instanceof AuthenticateUserDto)) {
    throw invalid('(body)', 'the input must be an object');
  }
  const dto = toInstance(new AuthenticateUserDto(), input as Record<string, unknown>, '');
  const overrides: unknown = dto.http_action_overrides;
  if (isPlainObject(overrides) || overrides instanceof HttpActionOverridesDto) {
    dto.http_action_overrides = toInstance(
      new HttpActionOverridesDto(),
      overrides as Record<string, unknown>,
      'http_action_overrides.',
    );
  }
  const mcp: unknown = dto.mcp_access;
  if (isPlainObject(mcp) || mcp instanceof McpAccessDto) {
    dto.mcp_access = toInstance(new McpAccessDto(), mcp as Record<string, unknown>, 'mcp_access.');
  }
  const errors = validateSync(dto, VALIDATION_OPTIONS);
  if (errors.length > 0) throw OpenCxValidationError.fromValidationErrors(errors);
  const validated = dto.http_action_overrides;
  for (const map of STRING_MAPS) {
    const values = validated?.[map];
    if (values) validated[map] = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
  }
  return dto;
}

/**
 * Checks the per-call `extraFields`: fields OpenCX accepts that the DTO does not know yet. They may
 * not repeat a known field (set that on the input) and must be JSON within `customData`'s bounds.
 */
export function validateExtraFields(extra: unknown): Record<string, unknown> {
  if (extra === undefined) return {};
  if (!isPlainObject(extra)) throw invalid('extraFields', 'extraFields must be a plain object');
  for (const key of Object.keys(extra)) {
    if (KNOWN_FIELDS.has(key)) throw invalid(`extraFields.${key}`, `${key} is a known field: set it on the input`);
  }
  const problem = jsonObjectProblem(extra, EXTRA_FIELDS_LIMITS);
  if (problem) throw invalid('extraFields', `extraFields ${problem}`);
  return extra;
}

/**
 * The request body on the wire: canonical JSON (keys sorted), so equal payloads give equal bodies
 * whatever the key order, and the cache can compare them by hash.
 */
export function wireBody(dto: AuthenticateUserDto, extra: Record<string, unknown> = {}): string {
  // The DTO's own fields are the wire body: its prototype is not wanted.
  // oxlint-disable-next-line typescript/no-misused-spread
  return canonicalJson({ ...extra, ...dto });
}
