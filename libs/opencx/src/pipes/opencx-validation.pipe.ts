import { Injectable, ValidationPipe, type ArgumentMetadata, type ValidationPipeOptions } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { isPlainObject } from '../dto/opencx.validators.js';
import { OpenCxValidationError } from '../errors/opencx.errors.js';
import { plainDataProblem } from '../input/plain-data.js';

/** Deeper bodies are refused before class-transformer walks them (a few thousand levels overflow its stack). */
const MAX_BODY_DEPTH = 32;

/** What an exception factory of these pipes made: thrown as it is, where anything else becomes a 400. */
const MADE = new WeakSet<object>();

function invalid(field: string, message: string): OpenCxValidationError {
  return new OpenCxValidationError([{ field, messages: [message] }]);
}

/**
 * The 400 for a JSON object body that holds a `__proto__` / `constructor` / `prototype` key
 * anywhere, is nested absurdly deep, or holds a proxy, a getter that fails or an array with empty
 * slots; undefined when it is plain data.
 */
export function bodyShapeError(body: object): OpenCxValidationError | undefined {
  const problem = plainDataProblem(body, { prototypeKeys: true, maxDepth: MAX_BODY_DEPTH });
  return problem && invalid(problem.field, problem.message);
}

/**
 * Nest's stock `ValidationPipe` with the options this library's DTOs expect (`whitelist`,
 * `forbidNonWhitelisted`, `transform`, and errors as {@link OpenCxValidationError}, whose 400
 * names each field), plus one check before class-transformer sees a body: a body that is not a
 * JSON object, holds a `__proto__` / `constructor` / `prototype` key anywhere (the stock pipe
 * silently drops those: data lost without a word), is nested absurdly deep, or holds a proxy, a
 * getter that fails or an array with empty slots, is a 400 naming the field. Paths and messages in a 400 are bounded, however
 * long the body's keys. Use it where the README's `ValidationPipe` would go; any option can be
 * overridden.
 *
 * @example app.useGlobalPipes(new OpenCxValidationPipe());
 */
@Injectable()
export class OpenCxValidationPipe extends ValidationPipe {
  constructor(options: ValidationPipeOptions = {}) {
    const factory =
      options.exceptionFactory ?? ((errors: ValidationError[]) => OpenCxValidationError.fromValidationErrors(errors));
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      ...options,
      exceptionFactory: (errors: ValidationError[]) => {
        const made: unknown = factory(errors);
        if (made !== null && typeof made === 'object') MADE.add(made);
        return made;
      },
    });
  }

  /**
   * Checks a body's shape first (see the class), then validates as Nest's `ValidationPipe` does.
   * Whatever else fails on the way (a getter or proxy that throws only later) is a 400 too, naming
   * the parameter, never the thrown error.
   */
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    let parameter: string = 'body';
    try {
      parameter = metadata.type;
      if (parameter === 'body' && metadata.metatype && this.toValidate(metadata)) {
        if (!isPlainObject(value)) throw invalid('(body)', 'the body must be a JSON object');
        const error = bodyShapeError(value);
        if (error) throw error;
      }
      return await super.transform(value, metadata);
    } catch (error) {
      if (error instanceof OpenCxValidationError || MADE.has(error as object)) throw error;
      throw invalid(`(${parameter})`, `the ${parameter} could not be read as plain data`);
    }
  }
}
