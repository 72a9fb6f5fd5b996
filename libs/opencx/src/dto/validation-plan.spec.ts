import { validateSync } from 'class-validator';
import * as fc from 'fast-check';
import { OPENCX_LANGUAGES } from '../languages.js';
import { AuthenticateUserDto } from './authenticate-user.dto.js';
import { OpenCxValidationError } from '../errors/opencx.errors.js';
import { validateAuthenticateUser, validatedBody } from './validate-authenticate-user.js';
import { createValidationPlan } from './validation-plan.js';

const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } as const;
const certainlyValid = createValidationPlan(AuthenticateUserDto);
const dtoOf = (input: object) => Object.assign(new AuthenticateUserDto(), input);

/** Values that are right for some field and wrong for others, or wrong for all. */
const anyValue = fc.oneof(
  fc.emailAddress(),
  fc.constantFrom('', 'not-an-email', 'a@b', 'x'.repeat(300), '+14155550123', '12345', 'https://example.com/a.png'),
  fc.constantFrom(...OPENCX_LANGUAGES, 'xx', 'EN'),
  fc.string(),
  fc.integer(),
  fc.constant(null),
  fc.constant(undefined),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })),
  fc.array(fc.string()),
);
const FIELDS = ['email', 'name', 'avatar_url', 'phone', 'language', 'customData', 'chat_context', 'extra', 'avatarUrl'];
const anyInput = fc.record(Object.fromEntries(FIELDS.map((field) => [field, anyValue])), { requiredKeys: [] });

describe('createValidationPlan (the fast path of validateAuthenticateUser)', () => {
  it('never passes what class-validator would refuse', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const dto = dtoOf(input);
        // One-sided by design: a pass must mean class-validator finds nothing wrong.
        expect(!certainlyValid(dto) || validateSync(dto, OPTIONS).length === 0).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('passes valid input without class-validator’s executor, whatever optional fields it has', () => {
    const valid = fc.record(
      {
        email: fc.emailAddress().filter((email) => validateSync(dtoOf({ email }), OPTIONS).length === 0),
        name: fc.string({ maxLength: 50 }),
        avatar_url: fc.constantFrom(null, 'https://example.com/a.png'),
        phone: fc.constant('+14155550123'),
        language: fc.constantFrom(...OPENCX_LANGUAGES),
        customData: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.string()),
        chat_context: fc.string({ maxLength: 50 }),
      },
      { requiredKeys: ['email'] },
    );
    fc.assert(
      fc.property(valid, (input) => {
        const dto = dtoOf(input);
        expect(validateSync(dto, OPTIONS)).toEqual([]);
        expect(certainlyValid(dto)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves unknown keys, nested objects and failures to class-validator', () => {
    expect(certainlyValid(dtoOf({ email: 'a@example.com', avatarUrl: 'x' }))).toBe(false);
    expect(certainlyValid(dtoOf({ email: 'a@example.com', http_action_overrides: { headers: {} } }))).toBe(false);
    expect(certainlyValid(dtoOf({ email: 'nope' }))).toBe(false);
    expect(certainlyValid(dtoOf({}))).toBe(false);
  });
});

describe('validatedBody (no second validation for an unchanged DTO)', () => {
  it('returns a DTO it validated, unchanged, as it is: no copy, no second validation', () => {
    const dto = validateAuthenticateUser({ email: 'once@example.com', customData: { plan: 'pro' } });
    const again = validatedBody(dto);
    expect(again.dto).toBe(dto);
    expect(again.body).toBe('{"customData":{"plan":"pro"},"email":"once@example.com"}');
  });

  it('validates again once the DTO has changed, even deep inside', () => {
    const dto = validateAuthenticateUser({ email: 'once@example.com', customData: { plan: 'pro' } });
    (dto.customData as Record<string, unknown>).plan = 'free';
    expect(validatedBody(dto).dto).not.toBe(dto);
    dto.email = 'not-an-email';
    expect(() => validatedBody(dto)).toThrow(OpenCxValidationError);
  });

  it("records only DTOs handed out by validateAuthenticateUser, not the service's own copies", () => {
    const internal = validatedBody({ email: 'copy@example.com' }).dto;
    expect(validatedBody(internal).dto).not.toBe(internal);
    const handedOut = validatedBody({ email: 'copy@example.com' }, true).dto;
    expect(validatedBody(handedOut).dto).toBe(handedOut);
  });

  it('validates an object it did not produce, however it looks', () => {
    const lookalike = dtoOf({ email: 'bad' });
    expect(() => validatedBody(lookalike)).toThrow(OpenCxValidationError);
  });
});
