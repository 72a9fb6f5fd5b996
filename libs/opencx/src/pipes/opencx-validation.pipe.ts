import { Injectable, ValidationPipe, type ArgumentMetadata, type ValidationPipeOptions } from '@nestjs/common';
import { FORBIDDEN_KEYS, isPlainObject } from '../dto/opencx.validators.js';
import { OpenCxValidationError } from '../errors/opencx.errors.js';

/** Deeper bodies are refused before class-transformer walks them (a few thousand levels overflow its stack). */
const MAX_BODY_DEPTH = 32;

/** Why a request body is unsafe to hand to class-transformer, with the field's path; undefined when it is safe. */
function bodyProblem(body: unknown): { field: string; message: string } | undefined {
  if (!isPlainObject(body)) return { field: '(body)', message: 'the body must be a JSON object' };
  const stack: Array<[value: unknown, path: string, depth: number]> = [[body, '', 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [value, path, depth] = item;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_BODY_DEPTH)
      return { field: path, message: `${path} is nested more than ${MAX_BODY_DEPTH} levels deep` };
    for (const [key, child] of Object.entries(value)) {
      const here = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) return { field: here, message: `${here} is not an allowed key` };
      stack.push([child, here, depth + 1]);
    }
  }
  return undefined;
}

/**
 * Nest's stock `ValidationPipe` with the options this library's DTOs expect (`whitelist`,
 * `forbidNonWhitelisted`, `transform`, and errors as {@link OpenCxValidationError}, whose 400
 * names each field), plus one check before class-transformer sees a body: a body that is not a
 * JSON object, holds a `__proto__` / `constructor` / `prototype` key anywhere (the stock pipe
 * silently drops those: data lost without a word), or is nested absurdly deep, is a 400 naming
 * the field. Use it where the README's `ValidationPipe` would go; any option can be overridden.
 *
 * @example app.useGlobalPipes(new OpenCxValidationPipe());
 */
@Injectable()
export class OpenCxValidationPipe extends ValidationPipe {
  constructor(options: ValidationPipeOptions = {}) {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => OpenCxValidationError.fromValidationErrors(errors),
      ...options,
    });
  }

  /** Checks a body's shape first (see the class), then validates as Nest's `ValidationPipe` does. */
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && this.toValidate(metadata)) {
      const problem = bodyProblem(value);
      if (problem) throw new OpenCxValidationError([{ field: problem.field, messages: [problem.message] }]);
    }
    return super.transform(value, metadata);
  }
}
