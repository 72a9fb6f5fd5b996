import { validateSync, type ValidationError } from 'class-validator';
import { canonicalJson } from '../cache/canonical-json.js';
import { OpenCxValidationError, type OpenCxFieldError } from '../errors/opencx.errors.js';
import { AuthenticateUserDto } from './authenticate-user.dto.js';
import { HttpActionOverridesDto } from './http-action-overrides.dto.js';
import { forbiddenKey, isPlainObject } from './opencx.validators.js';
import { createValidationPlan } from './validation-plan.js';

const VALIDATION_OPTIONS = {
  forbidNonWhitelisted: true,
  whitelist: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
} as const;

// Valid input, the common case, is confirmed without class-validator's executor (see
// validation-plan.ts); anything else gets the full validateSync for its errors.
const certainlyValid = createValidationPlan(AuthenticateUserDto);

/** Flattens class-validator's tree into one entry per bad field, by dotted path. */
export function toFieldErrors(errors: ValidationError[], parent = ''): OpenCxFieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

/**
 * Copies own keys onto a new instance. class-transformer is not used here: it rebuilds free-form
 * objects key by key, so a JSON `"__proto__"` key becomes a prototype (silently dropped) and a
 * `"constructor"` key crashes it with a TypeError. Such keys are refused here, by name.
 */
function toInstance<T extends object>(target: T, source: Record<string, unknown>, path: string): T {
  const bad = forbiddenKey(source);
  if (bad !== undefined) {
    throw new OpenCxValidationError([{ field: `${path}${bad}`, messages: [`property ${bad} is not allowed`] }]);
  }
  // Plain assignment is safe once the keys that could reach a prototype are refused above.
  for (const key of Object.keys(source)) (target as Record<string, unknown>)[key] = source[key];
  return target;
}

/**
 * Turns what the caller passed (a DTO instance or a plain object) into a new, validated
 * {@link AuthenticateUserDto}, or throws {@link OpenCxValidationError} naming every bad field.
 * Unknown fields are errors, not silently dropped: a typo such as `avatarUrl` should not lose data.
 */
export function validateAuthenticateUser(input: unknown): AuthenticateUserDto {
  return validatedBody(input, true).dto;
}

/**
 * The wire body (canonical JSON) of each DTO this module validated. A DTO validated once, say by
 * your `ValidationPipe`, and passed on unchanged is not validated again: its body still equals the
 * one recorded, and the body is exactly what gets sent, so what is sent was validated.
 */
const validatedBodies = new WeakMap<object, string>();

/**
 * The validated DTO for `input` and its wire body, skipping validation for a DTO validated and
 * unchanged since. `remember` records a new DTO for that: only a DTO handed back to the caller can
 * come back, so the service's own copies are not recorded.
 */
export function validatedBody(input: unknown, remember = false): { dto: AuthenticateUserDto; body: string } {
  const known = input !== null && typeof input === 'object' ? validatedBodies.get(input) : undefined;
  if (known !== undefined) {
    const body = canonicalJson(input);
    if (body === known) return { dto: input as AuthenticateUserDto, body };
  }
  const dto = validateCopy(input);
  const body = canonicalJson(dto);
  if (remember) validatedBodies.set(dto, body);
  return { dto, body };
}

function validateCopy(input: unknown): AuthenticateUserDto {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new OpenCxValidationError([{ field: '(body)', messages: ['the input must be an object'] }]);
  }
  // Always a fresh copy: the caller's object (DTO instance or not) is never mutated.
  const dto = toInstance(new AuthenticateUserDto(), input as Record<string, unknown>, '');
  const overrides: unknown = dto.http_action_overrides;
  if (isPlainObject(overrides) || overrides instanceof HttpActionOverridesDto) {
    dto.http_action_overrides = toInstance(
      new HttpActionOverridesDto(),
      overrides as Record<string, unknown>,
      'http_action_overrides.',
    );
  }
  if (certainlyValid(dto)) return dto;
  const errors = validateSync(dto, VALIDATION_OPTIONS);
  if (errors.length > 0) throw new OpenCxValidationError(toFieldErrors(errors));
  return dto;
}
