import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { throwError, type Observable } from 'rxjs';
import { OPENCX_JSON_OBJECT, isPlainObject } from '../dto/opencx.validators.js';
import { bodyShapeError } from './opencx-validation.pipe.js';

/** Whether `type` is a class validated as OpenCX custom data: a DTO, a subclass or a mapped type of one. */
function takesCustomData(type: unknown): boolean {
  return (
    typeof type === 'function' &&
    getMetadataStorage()
      .getTargetValidationMetadatas(type, '', true, false)
      .some((metadata) => metadata.name === OPENCX_JSON_OBJECT)
  );
}

/** The name `handler` has on its controller's prototype chain (a method decorator may have wrapped it, so not `handler.name`). */
function methodName(prototype: object, handler: object): string | undefined {
  for (let at: unknown = prototype; at && at !== Object.prototype; at = Object.getPrototypeOf(at)) {
    const here = at;
    const name = Object.getOwnPropertyNames(here).find(
      (key) => Object.getOwnPropertyDescriptor(here, key)?.value === handler,
    );
    if (name !== undefined) return name;
  }
  return undefined;
}

/**
 * Checks the body of each HTTP route whose handler takes one of the library's DTOs (or a subclass,
 * or a mapped type such as `PartialType(AuthenticateUserDto)`), before any pipe runs, as
 * {@link OpenCxValidationPipe} does: a `__proto__` / `constructor` / `prototype` key anywhere, absurd
 * nesting, or data that is not plain is a 400 naming the field. Nest's stock `ValidationPipe`
 * deletes such keys in place before any DTO code runs (data lost without a word), so only an
 * interceptor, which runs before pipes, can still see them. Registered once per application by the
 * module; every other route costs one look-up.
 */
@Injectable()
export class OpenCxBodyInterceptor implements NestInterceptor {
  /** Per handler: whether it takes one of the DTOs, read once from TypeScript's parameter types. */
  private readonly checked = new WeakMap<object, boolean>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || !this.checks(context)) return next.handle();
    const { body } = context.switchToHttp().getRequest<{ body?: unknown }>();
    const error = isPlainObject(body) ? bodyShapeError(body) : undefined;
    return error ? throwError(() => error) : next.handle();
  }

  private checks(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let known = this.checked.get(handler);
    if (known === undefined) {
      const { prototype } = context.getClass() as { prototype: object };
      const name = methodName(prototype, handler);
      const types: unknown = name === undefined ? undefined : Reflect.getMetadata('design:paramtypes', prototype, name);
      known = Array.isArray(types) && types.some(takesCustomData);
      this.checked.set(handler, known);
    }
    return known;
  }
}
