import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { OpenCxValidationError, type OpenCxFieldError } from '../errors/opencx.errors.js';
import { AuthenticateUserDto } from './authenticate-user.dto.js';

/** Flattens class-validator's tree into one entry per bad field, by dotted path. */
export function toFieldErrors(errors: ValidationError[], parent = ''): OpenCxFieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

/**
 * Turns what the caller passed (a DTO instance or a plain object) into a validated
 * {@link AuthenticateUserDto}, or throws {@link OpenCxValidationError} naming every bad field.
 * Unknown fields are errors, not silently dropped: a typo such as `avatarUrl` should not lose data.
 */
export function validateAuthenticateUser(input: unknown): AuthenticateUserDto {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new OpenCxValidationError([{ field: '(body)', messages: ['the input must be an object'] }]);
  }
  const dto = input instanceof AuthenticateUserDto ? input : plainToInstance(AuthenticateUserDto, input);
  const errors = validateSync(dto, {
    forbidNonWhitelisted: true,
    whitelist: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) throw new OpenCxValidationError(toFieldErrors(errors));
  return dto;
}
