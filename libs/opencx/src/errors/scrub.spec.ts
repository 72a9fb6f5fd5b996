import * as fc from 'fast-check';
import { MAX_UPSTREAM_TEXT, REDACTED, Scrubber, stringsIn } from './scrub.js';

const KEY = 'sk_live_CANARY_0123456789abcdef';
const EMAIL = 'leak.canary@example.com';
// A value whose JSON escaping changes every other character: no piece of it as is matches.
const QUOTED = 'q"u"o"t"e"d"v"a"l';
// Built in each test, not when the file loads: mutation testing then knows which tests run the constructor.
let scrubber: Scrubber;
beforeEach(() => {
  scrubber = new Scrubber(KEY, [EMAIL, 'Ada Lovelace-Byron', '+15550100999', 'hdr_secret_value', QUOTED]);
});

describe('Scrubber', () => {
  it.each([
    ['as is', EMAIL],
    ['URL-encoded', encodeURIComponent(EMAIL)],
    ['in upper case', EMAIL.toUpperCase()],
    ['JSON-escaped', JSON.stringify('a"b' + KEY).slice(1, -1)],
    ['JSON-escaped, every other character', JSON.stringify(QUOTED).slice(1, -1)],
    ['cut short', KEY.slice(0, 12)],
    ['as an 8-character piece', KEY.slice(9, 17)],
    ['in base64', Buffer.from(KEY).toString('base64')],
  ])('removes a secret echoed %s', (_form, echoed) => {
    const out = scrubber.scrub(`user ${echoed} refused`);
    expect(out).toContain(REDACTED);
    expect(out.toLowerCase()).not.toContain(echoed.toLowerCase().slice(0, 8));
  });

  it('removes the name and a header value, and words shaped like emails or phones', () => {
    const out = scrubber.scrub('Ada Lovelace-Byron sent hdr_secret_value; other@x.io +44 20 7946 0958x Bearer abc');
    for (const leaked of ['Lovelace', 'hdr_secret', 'other@x.io', '7946', 'abc']) expect(out).not.toContain(leaked);
    expect(out).toContain('sent');
  });

  it('marks each removed run with one "[redacted]"', () => {
    expect(scrubber.scrub(`a ${EMAIL} b ${KEY} c`)).toBe('a [redacted] b [redacted] c');
  });

  it('keeps ordinary text and cuts it to a bound first', () => {
    expect(scrubber.scrub('email must be an email')).toBe('email must be an email');
    expect(scrubber.scrub('x'.repeat(10_000))).toHaveLength(MAX_UPSTREAM_TEXT);
  });

  it('looks only at the bounded prefix of a huge text (the cause of quadratic scrubbing)', () => {
    const huge = `${'a'.repeat(1_000_000)}@${'b'.repeat(1_000_000)}`;
    expect(scrubber.scrub(huge)).toBe(scrubber.scrub(huge.slice(0, MAX_UPSTREAM_TEXT)));
  });

  it('places redaction right when lower case is longer than the text (60 × İ before the key)', () => {
    const out = scrubber.scrub(`${'İ'.repeat(60)} ${KEY} Ada Lovelace-Byron`);
    expect(out).not.toContain(KEY.slice(0, 6));
    expect(out).not.toContain('Lovelace');
    expect(out.startsWith('İ'.repeat(60))).toBe(true);
  });
});

/** Every 6-character piece of the key, as the scrubber must never let through. */
const KEY_PIECES = Array.from({ length: KEY.length - 5 }, (_, i) => KEY.slice(i, i + 6).toLowerCase());
const INVISIBLES = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad'];
const visible = (text: string): string => text.replace(/[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]/gu, '').toLowerCase();

describe('Scrubber against generated echoes', () => {
  /** Text around an echo: words, digits-free, with characters whose lower case is longer. */
  const filler = fc
    .array(fc.constantFrom('İ', 'ẞ', 'ǅ', 'note', ' ', 'é', '—', 'ok'), { maxLength: 40 })
    .map((parts) => parts.join(''));

  it('never lets 6 characters of the key through, with zero-width characters inside and any case', () => {
    fc.assert(
      fc.property(
        filler,
        filler,
        fc.array(fc.nat({ max: KEY.length }), { maxLength: 6 }),
        fc.constantFrom(...INVISIBLES),
        fc.boolean(),
        (before, after, cuts, invisible, upper) => {
          let echoed = upper ? KEY.toUpperCase() : KEY;
          for (const at of cuts.toSorted((a, b) => b - a))
            echoed = `${echoed.slice(0, at)}${invisible}${echoed.slice(at)}`;
          const out = visible(scrubber.scrub(`${before}${echoed}${after}`));
          for (const piece of KEY_PIECES) expect(out).not.toContain(piece);
        },
      ),
    );
  });

  it('never lets 6 characters of the key through when it is spread over several message items', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 6, max: 12 }), { minLength: 1, maxLength: 6 }),
        filler,
        (sizes, around) => {
          let rest = KEY;
          const items: string[] = [];
          for (const size of sizes) {
            if (rest === '') break;
            items.push(`${around}${rest.slice(0, size)}`);
            rest = rest.slice(size);
          }
          const out = items.map((item) => visible(scrubber.scrub(item))).join(' ');
          for (const piece of KEY_PIECES) expect(out).not.toContain(piece);
        },
      ),
    );
  });

  it('never lets the key or email through in base64 at any alignment (e.g. Basic base64("k:" + key))', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 5 }),
        fc.string({ maxLength: 5 }),
        fc.constantFrom(KEY, EMAIL),
        fc.constantFrom('base64', 'base64url'),
        (prefix, suffix, secret, alphabet: 'base64' | 'base64url') => {
          const before = Buffer.byteLength(prefix);
          const encoded = Buffer.from(`${prefix}${secret}${suffix}`).toString(alphabet);
          const out = scrubber.scrub(`Basic ${encoded}`);
          // The characters only the secret decides (its whole 3-byte groups) never get through.
          const fixed = encoded.slice(Math.ceil(before / 3) * 4, Math.floor((before + secret.length) / 3) * 4);
          for (let i = 0; i + 8 <= fixed.length; i++) expect(out).not.toContain(fixed.slice(i, i + 8));
        },
      ),
    );
  });
});

describe('Scrubber, exactly', () => {
  // Secrets without the shape of an email, a phone or a credential: only the secret layers can catch them.
  let plain: Scrubber;
  beforeEach(() => {
    plain = new Scrubber('sk_plain_key_abcdef', ['zebracrossingalpha', 'Zoe4', 'Bob', 'abcdefg\uffff']);
  });

  it('replaces a secret at the very start with one marker', () => {
    expect(plain.scrub('zebracrossingalpha said hi')).toBe('[redacted] said hi');
    expect(plain.scrub('x zebracrossingalpha y')).toBe('x [redacted] y');
  });

  it('removes a secret shorter than a piece where it occurs whole, and ignores one too short to matter', () => {
    expect(plain.scrub('hi zoe4 there')).toBe('hi [redacted] there');
    expect(plain.scrub('Bob said hi')).toBe('Bob said hi');
  });

  it('ends a removal after the last character, which U+FFFF is one code unit of', () => {
    expect(plain.scrub('abcdefg\uffffZ!')).toBe('[redacted]Z!');
  });

  it.each([
    ['a short number', 'error 404 at 12:30', 'error 404 at 12:30'],
    ['six digits', 'code 555 010', 'code 555 010'],
    ['seven digits', 'call 5550100 now', 'call [redacted] now'],
    ['a number at the end', 'call me at 555 0100 999', 'call me at [redacted]'],
    ['separators before a number', 'a - (555) 0100', 'a - [redacted]'],
    ['a short number at the end', 'room 12', 'room 12'],
  ])('says %s as it must', (_label, text, out) => {
    expect(plain.scrub(text)).toBe(out);
  });
});

describe('stringsIn', () => {
  it('collects every string and number inside a value, and nothing else', () => {
    expect(stringsIn({ a: 'x', n: 5551234, deep: [{ b: 'y' }, null, true], z: undefined })).toEqual([
      'x',
      '5551234',
      'y',
    ]);
    expect(stringsIn('only')).toEqual(['only']);
  });
});
