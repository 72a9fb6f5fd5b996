import type { ContactAuthService } from '../contact-auth.service.js';
import { AuthenticateUserDto } from '../dto/authenticate-user.dto.js';
import { OpenCxValidationError } from '../errors/opencx.errors.js';
import type { AuthenticateUserInput } from '../interfaces/authenticate-user-input.interface.js';
import { validateAuthenticateUser, validateExtraFields, wireBody } from './validate-input.js';

/** The field errors `input` causes, as `field: messages` ([] when it is valid). */
const problems = (input: unknown): string[] => {
  const error = ((): unknown => {
    try {
      return validateAuthenticateUser(input) && undefined;
    } catch (caught) {
      return caught;
    }
  })();
  if (error === undefined) return [];
  if (!(error instanceof OpenCxValidationError)) throw error;
  return error.errors.map((e) => `${e.field}: ${e.messages.join('; ')}`);
};

/** Never run: `npm run typecheck` checks that each line marked below stays a compile error. */
const typed = (service: ContactAuthService): void => {
  // @ts-expect-error a typo of avatar_url
  void service.authenticateUser({ email: 'a@example.com', avatarUrl: 'x' });
  // @ts-expect-error a language outside OPENCX_LANGUAGES
  void service.authenticateUser({ email: 'a@example.com', language: 'english' });
  // @ts-expect-error email is required
  void service.authenticateUser({ name: 'Ada' });
  // @ts-expect-error name is a string
  void service.authenticateUser({ email: 'a@example.com', name: 42 });
  // The DTO implements the interface, so a controller's DTO goes straight through.
  void service.authenticateUser(new AuthenticateUserDto());
};

describe('input types', () => {
  it('refuses typos, values outside the enum, a missing email and wrong value types at compile time', () => {
    const dto: AuthenticateUserInput = validateAuthenticateUser(JSON.parse('{"email":"a@example.com"}'));
    expect(typeof typed).toBe('function');
    expect(dto.email).toBe('a@example.com');
  });
});

describe('validateAuthenticateUser', () => {
  it('returns a new validated DTO and leaves the input unchanged', () => {
    const input = { email: 'a@example.com', http_action_overrides: { query_params: { n: 1, b: true } } };
    const dto = validateAuthenticateUser(input);
    expect(dto).toBeInstanceOf(AuthenticateUserDto);
    expect(dto).not.toBe(input);
    expect(dto.http_action_overrides?.query_params).toEqual({ n: '1', b: 'true' });
    expect(input.http_action_overrides.query_params).toEqual({ n: 1, b: true });
  });

  it('suggests the close language code for a name or a regional form', () => {
    expect(problems({ email: 'a@example.com', language: 'english' })).toEqual([
      "language: language must be one of the OpenCX language codes (OPENCX_LANGUAGES): did you mean 'en'?",
    ]);
    expect(problems({ email: 'a@example.com', language: 'pt-BR' })[0]).toContain("did you mean 'pt'?");
    expect(problems({ email: 'a@example.com', language: 'klingon' })[0]).not.toContain('did you mean');
  });

  it('takes any JSON in body_params, strings (numbers, booleans) elsewhere, printable ASCII in headers', () => {
    expect(
      problems({
        email: 'a@example.com',
        http_action_overrides: { body_params: { plan: { tier: 'pro', seats: [1, 2] }, on: null } },
      }),
    ).toEqual([]);
    expect(problems({ email: 'a@example.com', http_action_overrides: { query_params: { q: { a: 1 } } } })).toEqual([
      'http_action_overrides.query_params: query_params values must be strings, numbers or booleans',
    ]);
    expect(problems({ email: 'a@example.com', http_action_overrides: { headers: { 'X-A': 'caf\u00e9' } } })).toEqual([
      'http_action_overrides.headers: headers values must be printable ASCII (no CR, LF, control or non-ASCII characters)',
    ]);
    expect(
      problems({ email: 'a@example.com', http_action_overrides: { headers: { 'X-A': 'a\u2028b' } } }),
    ).toHaveLength(1);
  });

  it('names an unknown field instead of dropping it', () => {
    expect(problems({ email: 'a@example.com', avatarUrl: 'x' })).toEqual([
      'avatarUrl: property avatarUrl should not exist',
    ]);
  });

  it.each(['http_action_overrides', 'mcp_access'])('refuses a function as %s, naming it', (field) => {
    const found = problems({ email: 'a@example.com', [field]: () => ({}) });
    expect(found[0]).toBe(`${field}: ${field} must be an object`);
    expect(found.every((problem) => problem.startsWith(`${field}: `))).toBe(true);
  });

  it('names an unknown empty key as "", not as nothing', () => {
    expect(problems({ email: 'a@example.com', '': 0 })).toEqual(['"": property "" should not exist']);
  });
});

describe('extra fields', () => {
  it('are sent beside the input in canonical order, and may not repeat a known field or hold non-JSON', () => {
    const dto = validateAuthenticateUser({ email: 'a@example.com' });
    expect(wireBody(dto, validateExtraFields({ zeta: 1, beta: { z: ['s'], a: 2 } }))).toBe(
      '{"beta":{"a":2,"z":["s"]},"email":"a@example.com","zeta":1}',
    );
    expect(() => validateExtraFields({ name: 'x' })).toThrow(OpenCxValidationError);
    expect(() => validateExtraFields({ mcp_access: {} })).toThrow(/mcp_access is a known field/);
    expect(() => validateExtraFields({ when: new Date() })).toThrow(OpenCxValidationError);
    expect(() => validateExtraFields('x')).toThrow(/extraFields must be a plain object/);
  });
});

/** A getter or trap that throws, with a secret in its message that must never be shown. */
const boom = (): never => {
  throw new Error('boom sk_secret_in_a_getter');
};

describe('input that throws or lies when read', () => {
  const EMAIL = 'a@example.com';
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  it.each([
    [
      'a getter that throws',
      {
        email: EMAIL,
        get name() {
          return boom();
        },
      },
      'name',
    ],
    [
      'a getter that throws a string',
      Object.defineProperty({ email: EMAIL }, 'phone', {
        get: () => {
          throw 'x';
        },
        enumerable: true,
      }),
      'phone',
    ],
    [
      'a getter deep in customData',
      {
        email: EMAIL,
        customData: {
          plan: {
            get tier() {
              return boom();
            },
          },
        },
      },
      'customData.plan.tier',
    ],
    [
      'a getter in a header override',
      {
        email: EMAIL,
        http_action_overrides: {
          headers: {
            get 'X-A'() {
              return boom();
            },
          },
        },
      },
      'http_action_overrides.headers.X-A',
    ],
    [
      'a proxy whose traps throw',
      new Proxy({ email: EMAIL }, { ownKeys: boom, get: boom, getPrototypeOf: boom }),
      '(body)',
    ],
    ['a revoked proxy', revoked.proxy, '(body)'],
    [
      'a proxy as customData',
      { email: EMAIL, customData: new Proxy({}, { ownKeys: boom, getPrototypeOf: boom }) },
      'customData',
    ],
    [
      'a proxy as mcp_access',
      { email: EMAIL, mcp_access: new Proxy({}, { ownKeys: boom, getPrototypeOf: boom }) },
      'mcp_access',
    ],
    [
      'a proxy as server_ids',
      { email: EMAIL, mcp_access: { server_ids: new Proxy(['crm'], { get: boom }) } },
      'mcp_access.server_ids',
    ],
  ])('refuses %s with OpenCxValidationError naming the field', (_label, input, field) => {
    let caught: unknown;
    try {
      validateAuthenticateUser(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(OpenCxValidationError);
    expect((caught as OpenCxValidationError).errors[0]?.field).toBe(field);
    expect(JSON.stringify([(caught as Error).message, (caught as OpenCxValidationError).getResponse()])).not.toContain(
      'sk_secret',
    );
  });

  it('refuses a sparse server_ids, which would be sent as null', () => {
    // oxlint-disable-next-line no-sparse-arrays
    expect(problems({ email: EMAIL, mcp_access: { server_ids: [, 'crm'] } })).toEqual([
      'mcp_access.server_ids: server_ids must not have empty slots',
    ]);
    expect(
      problems({ email: EMAIL, mcp_access: { server_ids: Object.assign<string[], object>([], { length: 2 }) } }),
    ).toHaveLength(1);
    expect(problems({ email: EMAIL, mcp_access: { server_ids: ['crm', 'billing'] } })).toEqual([]);
  });
});
