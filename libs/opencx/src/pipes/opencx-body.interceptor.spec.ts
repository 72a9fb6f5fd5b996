import { jest } from '@jest/globals';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { PartialType, PickType } from '@nestjs/swagger';
import { lastValueFrom, of } from 'rxjs';
import { AuthenticateUserDto } from '../dto/authenticate-user.dto.js';
import { UpdateContactDto } from '../dto/update-contact.dto.js';
import { OpenCxValidationError } from '../errors/opencx.errors.js';
import { OpenCxBodyInterceptor } from './opencx-body.interceptor.js';

class SignInDto extends AuthenticateUserDto {}
class PatchUserDto extends PartialType(AuthenticateUserDto) {}
class EmailOnlyDto extends PickType(AuthenticateUserDto, ['email']) {}

/**
 * A controller whose `take` takes `types`, as TypeScript's emitted metadata says; `wrapped` as a
 * method decorator of the user's would leave it (another function, without the method's name),
 * `inherited` declared on a base controller.
 */
function controllerTaking(types: unknown[] | undefined, shape: 'plain' | 'wrapped' | 'inherited' = 'plain') {
  class Base {
    take(): void {}
  }
  class Controller extends Base {}
  const at = shape === 'inherited' ? Base.prototype : Controller.prototype;
  if (shape !== 'inherited') Controller.prototype.take = Base.prototype.take;
  if (shape === 'wrapped')
    Controller.prototype.take = (
      () => () =>
        undefined
    )();
  if (types) Reflect.defineMetadata('design:paramtypes', types, at, 'take');
  return Controller;
}

function contextFor(
  body: unknown,
  types: unknown[] | undefined,
  type = 'http',
  shape?: 'plain' | 'wrapped' | 'inherited',
) {
  const Controller = controllerTaking(types, shape);
  return {
    getType: () => type,
    getClass: () => Controller,
    getHandler: () => Controller.prototype.take,
    switchToHttp: () => ({ getRequest: () => ({ body }) }),
  } as unknown as ExecutionContext;
}

/** What the route answers: the handler's value, or the error the interceptor refused the body with (the handler never called). */
async function run(interceptor: OpenCxBodyInterceptor, context: ExecutionContext): Promise<unknown> {
  const handle = jest.fn(() => of('handled'));
  const answer = await lastValueFrom(interceptor.intercept(context, { handle } as CallHandler)).catch(
    (error: unknown) => error,
  );
  return answer === 'handled' || handle.mock.calls.length === 0 ? answer : 'handler called for a refused body';
}

const polluted = () => JSON.parse('{"email":"a@example.com","customData":{"__proto__":{"x":1}}}') as unknown;
const fieldsOf = (answer: unknown) => (answer instanceof OpenCxValidationError ? answer.errors : answer);

describe('OpenCxBodyInterceptor', () => {
  it.each([
    ['AuthenticateUserDto', AuthenticateUserDto],
    ['UpdateContactDto', UpdateContactDto],
    ['a subclass of a DTO', SignInDto],
    ['a mapped type of a DTO (PartialType)', PatchUserDto],
  ])('refuses a prototype key in the body of a handler taking %s, naming the field', async (_label, dto) => {
    const answer = await run(new OpenCxBodyInterceptor(), contextFor(polluted(), [String, dto]));
    expect(fieldsOf(answer)).toEqual([
      { field: 'customData.__proto__', messages: ['customData.__proto__ is not an allowed key'] },
    ]);
  });

  it.each(['wrapped', 'inherited'] as const)('finds the parameter types of a handler %s', async (shape) => {
    const answer = await run(new OpenCxBodyInterceptor(), contextFor(polluted(), [AuthenticateUserDto], 'http', shape));
    expect(answer).toBeInstanceOf(OpenCxValidationError);
  });

  it('refuses nesting deeper than the pipe allows', async () => {
    let body: Record<string, unknown> = {};
    const root = { email: 'a@example.com', customData: body };
    for (let i = 0; i < 40; i++) body = body.a = {};
    const answer = await run(new OpenCxBodyInterceptor(), contextFor(root, [AuthenticateUserDto]));
    expect(answer).toBeInstanceOf(OpenCxValidationError);
  });

  it.each([
    ['a handler taking other types', [Date, String]],
    ['a handler taking a mapped type without custom data', [EmailOnlyDto]],
    ['a handler without parameter types', undefined],
  ])('leaves %s alone', async (_label, types) => {
    expect(await run(new OpenCxBodyInterceptor(), contextFor(polluted(), types))).toBe('handled');
  });

  it('leaves a clean body, a body that is no object, and non-HTTP contexts to the handler', async () => {
    const interceptor = new OpenCxBodyInterceptor();
    expect([
      await run(
        interceptor,
        contextFor({ email: 'a@example.com', customData: { plan: 'pro' } }, [AuthenticateUserDto]),
      ),
      await run(interceptor, contextFor('text', [AuthenticateUserDto])),
      await run(interceptor, contextFor(undefined, [AuthenticateUserDto])),
      await run(interceptor, contextFor(polluted(), [AuthenticateUserDto], 'rpc')),
    ]).toEqual(['handled', 'handled', 'handled', 'handled']);
  });

  it("reads a handler's parameter types once", async () => {
    const interceptor = new OpenCxBodyInterceptor();
    const context = contextFor({ email: 'a@example.com' }, [AuthenticateUserDto]);
    const read = jest.spyOn(Reflect, 'getMetadata');
    try {
      await run(interceptor, context);
      await run(interceptor, context);
      expect(read.mock.calls.filter(([key]) => key === 'design:paramtypes')).toHaveLength(1);
    } finally {
      read.mockRestore();
    }
  });
});
