import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import {
  AuthenticateUserDto,
  OpenCxValidationError,
  validateAuthenticateUser,
  type OpenCxFieldError,
} from 'nestjs-opencx';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 32;

/** The path of the first key that could reach a prototype, or the top-level field of a too-deep nesting. */
function unsafePath(value: unknown, path: string, depth: number): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_DEPTH) return path.split('.')[0] || '(body)';
  for (const [key, item] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) return here;
    const nested = unsafePath(item, here, depth + 1);
    if (nested) return nested;
  }
  return undefined;
}

/** class-validator's tree, one entry per bad field by dotted path. */
function toFieldErrors(errors: ValidationError[], parent = ''): OpenCxFieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

/**
 * The global `ValidationPipe` (whitelist, forbid unknown fields, transform) with two additions:
 * bodies holding `__proto__` / `constructor` / `prototype` keys or nested absurdly deep are refused
 * with a 400 naming the field before class-transformer sees them (it crashes on a `constructor`
 * key, which would be a 500), and errors come out as `OpenCxValidationError`, so every 400 has the
 * same `{ message, fields }` shape as the library's own validation.
 */
export class HardenedValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new OpenCxValidationError(toFieldErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new OpenCxValidationError([{ field: '(body)', messages: ['the body must be a JSON object'] }]);
      }
      const path = unsafePath(value, '', 0);
      if (path) {
        const problem = FORBIDDEN_KEYS.has(path.split('.').pop()!)
          ? 'is not an allowed key'
          : `is nested more than ${MAX_DEPTH} levels deep`;
        throw new OpenCxValidationError([{ field: path, messages: [`${path} ${problem}`] }]);
      }
    }
    // The library's own check for its DTO: the same rules, synchronous and without class-transformer
    // (which rebuilds every nested object); the hottest endpoint's body takes this path.
    if (metadata.metatype === AuthenticateUserDto) return validateAuthenticateUser(value);
    return super.transform(value, metadata);
  }
}
