import { Body, Controller, Post } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { OpenCxValidationError } from '../errors/opencx.errors.js';
import { OPENCX_LANGUAGES } from '../languages.js';
import { AuthenticateUserDto } from './authenticate-user.dto.js';
import { validateAuthenticateUser } from '../input/validate-input.js';

const EMAIL = 'jane.doe@example.com';

/** The fields the validation error names for `input`, or [] when it is valid. */
function badFields(input: unknown): string[] {
  try {
    validateAuthenticateUser(input);
    return [];
  } catch (error) {
    if (!(error instanceof OpenCxValidationError)) throw error;
    return error.errors.map((e) => e.field);
  }
}

const withEmail = (fields: Record<string, unknown>): Record<string, unknown> => ({ email: EMAIL, ...fields });
const deep = (levels: number): Record<string, unknown> =>
  Array.from({ length: levels - 1 }).reduce<Record<string, unknown>>((inner) => ({ a: inner }), { leaf: 1 });

@Controller()
class ContactsController {
  @Post('contacts')
  take(@Body() dto: AuthenticateUserDto): AuthenticateUserDto {
    return dto;
  }
}

/** The phone pattern the OpenAPI document shows for the DTO. */
async function phonePattern(): Promise<string> {
  const moduleRef = await Test.createTestingModule({ controllers: [ContactsController] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  try {
    const schema = SwaggerModule.createDocument(app, new DocumentBuilder().build()).components?.schemas?.[
      'AuthenticateUserDto'
    ] as { properties: { phone: { pattern: string } } };
    return schema.properties.phone.pattern;
  } finally {
    await app.close();
  }
}

describe('phone, as OpenCX documents it', () => {
  let pattern: RegExp;
  beforeAll(async () => {
    pattern = new RegExp(await phonePattern());
  });

  it.each([
    ['the documented example', '+1234567890'],
    ['no +', '1234567890'],
    ['the international prefix 00', '0044 20 7946 0958'],
    ['the country code in parentheses', '(+44) 20 7946 0958'],
    ['an area code in parentheses', '+1 (234) 567-890'],
    ['dots', '+44.1632.960961'],
    ['a slash', '+49 30/1234567'],
    ['an extension', '+1 555 0100 ext. 23'],
    ['a short extension mark', '+1-555-0100 x23'],
    ["RFC 3966's extension", '+1 555 0100;ext=23'],
    ['an extension in capitals', '+1 555 0100 EXT. 23'],
    ['a three-digit service number', '112'],
  ])("takes %s (%s), as the OpenAPI document's pattern says too", (_label, phone) => {
    expect(badFields(withEmail({ phone }))).toEqual([]);
    expect(pattern.test(phone)).toBe(true);
  });

  it.each([
    ['letters', '+1 800 FLOWERS'],
    ['words', 'call me'],
    ['fewer than 3 digits', '+12'],
    ['more than 20 digits', `+${'1'.repeat(21)}`],
    ['a + inside', '+1+234567'],
    ['two +', '++1234567'],
    ['a line break', '+1 234\n567'],
    ['a tab', '+1\t2345678'],
    ['a space before', ' +1234567'],
    ['a separator at the end', '+1234567-'],
    ['digits of another script', '\u0661\u0662\u0663\u0664\u0665\u0666\u0667'],
    ['fullwidth digits', '\uff11\uff12\uff13\uff14\uff15\uff16\uff17'],
    ['an extension mark without digits', '+1 555 0100 ext.'],
    ['a URI', 'tel:+1234567'],
    ['nothing', ''],
  ])('refuses %s (%j), naming phone', (_label, phone) => {
    expect(badFields(withEmail({ phone }))).toEqual(['phone']);
  });
});

describe('AuthenticateUserDto rules', () => {
  // [field path, a valid input, an invalid input]
  const cases: Array<[string, Record<string, unknown>, unknown]> = [
    ['email', { email: EMAIL }, { email: 'not-an-email' }],
    ['email', { email: EMAIL }, {}],
    ['email', { email: EMAIL }, { email: `${'a'.repeat(250)}@example.com` }],
    ['email', { email: EMAIL }, { email: 42 }],
    ['name', withEmail({ name: 'John Doe' }), withEmail({ name: 7 })],
    ['name', withEmail({ name: 'John Doe' }), withEmail({ name: 'x'.repeat(257) })],
    ['name', withEmail({ name: 'John Doe' }), withEmail({ name: null })],
    [
      'avatar_url',
      withEmail({ avatar_url: 'https://example.com/a.png' }),
      withEmail({ avatar_url: 'javascript:alert(1)' }),
    ],
    [
      'avatar_url',
      withEmail({ avatar_url: 'http://cdn.example.com/a.png' }),
      withEmail({ avatar_url: 'data:image/png;base64,AAAA' }),
    ],
    ['avatar_url', withEmail({ avatar_url: null }), withEmail({ avatar_url: 'example.com/no-scheme.png' })],
    [
      'avatar_url',
      withEmail({ avatar_url: 'https://example.com/a.png' }),
      withEmail({ avatar_url: `https://example.com/${'a'.repeat(2100)}` }),
    ],
    // OpenCX asks for the number "including the country code" and shows +1234567890: anything
    // that can be a phone number as people write one is taken, with or without the +.
    ['phone', withEmail({ phone: '+1234567890' }), withEmail({ phone: 'not a phone' })],
    ['phone', withEmail({ phone: '+1 (234) 567-890' }), withEmail({ phone: '+1 234 CALL-NOW' })],
    ['phone', withEmail({ phone: '+44.1632.960961' }), withEmail({ phone: '+12' })],
    ['phone', withEmail({ phone: '+1 234-567-890' }), withEmail({ phone: `+${'1'.repeat(21)}` })],
    ['language', withEmail({ language: 'en' }), withEmail({ language: 'xx' })],
    ['language', withEmail({ language: 'cy' }), withEmail({ language: 'EN' })],
    ['customData', withEmail({ customData: { customKey: 'customValue' } }), withEmail({ customData: 'string' })],
    ['customData', withEmail({ customData: { list: [1, 'a', null] } }), withEmail({ customData: [1, 2] })],
    ['customData', withEmail({ customData: deep(8) }), withEmail({ customData: deep(9) })],
    [
      'customData',
      withEmail({ customData: { big: 'x'.repeat(16_000) } }),
      withEmail({ customData: { big: 'x'.repeat(17_000) } }),
    ],
    ['customData', withEmail({ customData: { n: 1.5 } }), withEmail({ customData: { n: Number.NaN } })],
    ['customData', withEmail({ customData: {} }), withEmail({ customData: { when: new Date() } })],
    [
      'customData',
      withEmail({ customData: {} }),
      JSON.parse(`{"email":"${EMAIL}","customData":{"__proto__":{"polluted":true}}}`),
    ],
    ['customData', withEmail({ customData: {} }), withEmail({ customData: { nested: { constructor: 'x' } } })],
    ['chat_context', withEmail({ chat_context: 'VIP customer' }), withEmail({ chat_context: 'x'.repeat(10_001) })],
    ['chat_context', withEmail({ chat_context: '' }), withEmail({ chat_context: { text: 'x' } })],
    ['http_action_overrides', withEmail({ http_action_overrides: {} }), withEmail({ http_action_overrides: 'x' })],
    ['http_action_overrides', withEmail({ http_action_overrides: {} }), withEmail({ http_action_overrides: [] })],
    [
      'http_action_overrides.query_params',
      withEmail({ http_action_overrides: { query_params: { a: 1, b: true } } }),
      withEmail({ http_action_overrides: { query_params: { a: { b: 1 } } } }),
    ],
    [
      'http_action_overrides.path_params',
      withEmail({ http_action_overrides: { path_params: { id: 'x' } } }),
      withEmail({ http_action_overrides: { path_params: { id: null } } }),
    ],
    [
      'http_action_overrides.body_params',
      withEmail({ http_action_overrides: { body_params: { k: 'v' } } }),
      withEmail({ http_action_overrides: { body_params: 'k=v' } }),
    ],
    [
      'http_action_overrides.body_params',
      withEmail({ http_action_overrides: { body_params: { k: 'v' } } }),
      withEmail({
        http_action_overrides: { body_params: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) },
      }),
    ],
    [
      'http_action_overrides.headers',
      withEmail({ http_action_overrides: { headers: { 'X-Api-Key': 'v' } } }),
      withEmail({ http_action_overrides: { headers: { 'X-Api-Key': 'v\r\nX-Evil: 1' } } }),
    ],
    [
      'http_action_overrides.headers',
      withEmail({ http_action_overrides: { headers: { Authorization: 'Bearer t' } } }),
      withEmail({ http_action_overrides: { headers: { 'Bad Name': 'v' } } }),
    ],
    [
      'http_action_overrides.headers',
      withEmail({ http_action_overrides: { headers: { 'x-n': 1 } } }),
      withEmail({ http_action_overrides: { headers: { 'x-n': 'a\u0000b' } } }),
    ],
    [
      'http_action_overrides.unknown',
      withEmail({ http_action_overrides: { headers: {} } }),
      withEmail({ http_action_overrides: { unknown: {} } }),
    ],
    ['avatarUrl', withEmail({}), withEmail({ avatarUrl: 'https://example.com/a.png' })],
    ['custom_data', withEmail({}), withEmail({ custom_data: {} })],
  ];

  it.each(cases)('%s: accepts the valid case and names the field for the invalid one', (field, valid, invalid) => {
    expect(badFields(valid)).toEqual([]);
    expect(badFields(invalid)).toContain(field);
  });

  it('accepts every OpenCX language and rejects anything else', () => {
    expect(OPENCX_LANGUAGES).toHaveLength(56);
    expect(new Set(OPENCX_LANGUAGES).size).toBe(56);
    for (const language of OPENCX_LANGUAGES) expect(badFields(withEmail({ language }))).toEqual([]);
    expect(badFields(withEmail({ language: 'en-US' }))).toEqual(['language']);
  });

  it.each([null, undefined, 'email', 42, [{ email: EMAIL }]])('rejects a non-object input (%p)', (input) => {
    expect(badFields(input)).toEqual(['(body)']);
  });

  it('names every bad field at once, without echoing values', () => {
    const input = withEmail({ email: 'secret.person@nowhere', phone: '555 0100 CALL', name: 1, language: 'zz' });
    let error: OpenCxValidationError | undefined;
    try {
      validateAuthenticateUser(input);
    } catch (e) {
      error = e as OpenCxValidationError;
    }
    expect(error).toBeInstanceOf(OpenCxValidationError);
    expect(error!.errors.map((e) => e.field).toSorted()).toEqual(['email', 'language', 'name', 'phone']);
    const printed = `${error!.message}${JSON.stringify(error)}${error!.stack}`;
    expect(printed).not.toContain('secret.person');
    expect(printed).not.toContain('555 0100');
  });

  it('does not let a JSON __proto__ key reach the prototype of anything', () => {
    const input = JSON.parse(`{"email":"${EMAIL}","customData":{"__proto__":{"polluted":true}}}`);
    expect(() => validateAuthenticateUser(input)).toThrow(OpenCxValidationError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects a top-level __proto__ key instead of dropping it silently', () => {
    const input = JSON.parse(`{"email":"${EMAIL}","__proto__":{"polluted":true}}`);
    expect(badFields(input)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('returns a DTO instance that serialises to exactly the given fields', () => {
    const dto = validateAuthenticateUser({ email: EMAIL, language: 'de', customData: { a: [1, { b: 2 }] } });
    expect(dto).toBeInstanceOf(AuthenticateUserDto);
    expect(JSON.parse(JSON.stringify(dto))).toEqual({ email: EMAIL, language: 'de', customData: { a: [1, { b: 2 }] } });
  });
});

describe('validateAuthenticateUser with DTO instances', () => {
  it('accepts a DTO instance with a plain nested object, without mutating it', () => {
    const overrides = { headers: { 'X-Tier': 'gold' } };
    const input = Object.assign(new AuthenticateUserDto(), { email: EMAIL, http_action_overrides: overrides });
    const dto = validateAuthenticateUser(input);
    expect(dto).not.toBe(input);
    expect(input.http_action_overrides).toBe(overrides);
    expect(JSON.parse(JSON.stringify(dto))).toEqual({ email: EMAIL, http_action_overrides: overrides });
  });
});
