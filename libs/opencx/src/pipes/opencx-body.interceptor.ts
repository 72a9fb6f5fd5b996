import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import { AuthenticateUserDto } from '../dto/authenticate-user.dto.js';
import { isPlainObject } from '../dto/opencx.validators.js';
import { UpdateContactDto } from '../dto/update-contact.dto.js';
import { bodyShapeError } from './opencx-validation.pipe.js';

/** The request bodies this library defines: a handler taking one of them (or a subclass) has its body checked. */
const DTOS: ReadonlyArray<abstract new (...args: never[]) => unknown> = [AuthenticateUserDto, UpdateContactDto];

const isOpenCxDto = (type: unknown): boolean =>
  typeof type === 'function' && DTOS.some((dto) => type === dto || type.prototype instanceof dto);

/**
 * Checks the body of each HTTP route whose handler takes one of the library's DTOs, before any
 * pipe runs, as {@link OpenCxValidationPipe} does: a `__proto__` / `constructor` / `prototype` key
 * anywhere, absurd nesting, or data that is not plain is a 400 naming the field. Nest's stock
 * `ValidationPipe` deletes such keys in place before any DTO code runs (data lost without a word),
 * so only an interceptor, which runs before pipes, can still see them. Registered once per
 * application by the module; every other route costs one look-up.
 */
@Injectable()
export class OpenCxBodyInterceptor implements NestInterceptor {
  /** Per handler: whether it takes one of the DTOs, read once from TypeScript's parameter types. */
  private readonly takesDto = new WeakMap<object, boolean>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || !this.checks(context)) return next.handle();
    const { body } = context.switchToHttp().getRequest<{ body?: unknown }>();
    const error = isPlainObject(body) ? bodyShapeError(body) : undefined;
    return error ? throwError(() => error) : next.handle();
  }

  private checks(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let known = this.takesDto.get(handler);
    if (known === undefined) {
      const types: unknown = Reflect.getMetadata('design:paramtypes', context.getClass().prototype, handler.name);
      known = Array.isArray(types) && types.some(isOpenCxDto);
      this.takesDto.set(handler, known);
    }
    return known;
  }
}
