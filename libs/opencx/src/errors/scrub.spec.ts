import * as fc from 'fast-check';
import { keyEcho, keyReadable, reversed } from '../../test/key-echoes.js';
import { MAX_UPSTREAM_TEXT, REDACTED, Scrubber, stringsIn, withheld } from './scrub.js';
import { propertyParameters, propertyTimeout } from '../../test/property-runs.js';

// Random after its prefix, as real keys are: no run of it is an ordinary word.
const KEY = 'sk_live_Q7mXz2Rv9Kp4Tw1Nb8Jc';
const EMAIL = 'leak.canary@example.com';
// A value whose JSON escaping changes every other character: no piece of it as is matches.
const QUOTED = 'q"u"o"t"e"d"v"a"l';
/** `text` with `separator` between each two of its characters. */
const between = (text: string, separator: string): string => Array.from(text).join(separator);
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
    ['JSON-escaped, every other character', JSON.stringify(QUOTED).slice(1, -1)],
  ])('removes a personal value echoed %s', (_form, echoed) => {
    const out = scrubber.scrub(`user ${echoed} refused`);
    expect(out).toContain(REDACTED);
    expect(out.toLowerCase()).not.toContain(echoed.toLowerCase().slice(0, 8));
  });

  it.each([
    ['as is', KEY],
    ['JSON-escaped', JSON.stringify('a"b' + KEY).slice(1, -1)],
    ['cut short', KEY.slice(0, 12)],
    ['as an 8-character piece', KEY.slice(9, 17)],
    ['as a 6-character piece', KEY.slice(13, 19)],
    ['in base64', Buffer.from(KEY).toString('base64')],
    ['with spaces between its characters', between(KEY, ' ')],
  ])('withholds the whole text when it echoes the key %s, saying only its length', (_form, echoed) => {
    const text = `user ${echoed} refused`;
    expect(scrubber.scrub(text)).toBe(withheld(text.length));
  });

  it('removes the name and a header value, and words shaped like emails or phones', () => {
    const out = scrubber.scrub('Ada Lovelace-Byron sent hdr_secret_value; other@x.io +44 20 7946 0958x Bearer abc');
    for (const leaked of ['Lovelace', 'hdr_secret', 'other@x.io', '7946', 'abc']) expect(out).not.toContain(leaked);
    expect(out).toContain('sent');
  });

  it('marks each removed run with one "[redacted]"', () => {
    expect(scrubber.scrub(`a ${EMAIL} b hdr_secret_value c`)).toBe('a [redacted] b [redacted] c');
  });

  it('keeps no line break, control or direction character: a kept text cannot forge a log line', () => {
    expect(scrubber.scrub('bad\r\n[Nest] 1  - LOG forged\u2028line\u0085x\u001b[31m')).toBe(
      'bad  [Nest] 1  - LOG forged line x [31m',
    );
    expect(scrubber.scrub('a\u202eb\u2066c\u200bd')).toBe('a b c d');
  });

  it('keeps ordinary text and cuts it to a bound first', () => {
    expect(scrubber.scrub('email must be an email')).toBe('email must be an email');
    expect(scrubber.scrub('x'.repeat(10_000))).toHaveLength(MAX_UPSTREAM_TEXT);
  });

  it('looks only at the bounded prefix of a huge text (the cause of quadratic scrubbing)', () => {
    const huge = `${'a'.repeat(1_000_000)}@${'b'.repeat(1_000_000)}`;
    expect(scrubber.scrub(huge)).toBe(scrubber.scrub(huge.slice(0, MAX_UPSTREAM_TEXT)));
  });

  it('places redaction right when lower case is longer than the text (60 × İ before the email)', () => {
    const out = scrubber.scrub(`${'İ'.repeat(60)} ${EMAIL} Ada Lovelace-Byron`);
    expect(out).toBe(`${'İ'.repeat(60)} ${REDACTED} ${REDACTED}`);
    expect(out).not.toContain('Lovelace');
    expect(out.startsWith('İ'.repeat(60))).toBe(true);
  });
});

// A name with accents: macOS and iOS often send them decomposed ("e" + U+0301), servers often echo them composed.
const NAME = 'Zoë Renée Åström';
const scrubberFor = (name: string): Scrubber => new Scrubber(KEY, ['zoe@example.com', name]);
/** `out` in NFKC and lower case, for a search that no form of a leaked word can slip past. */
const plainOf = (out: string): string => out.normalize('NFKC').toLowerCase();

/** `text` as ASCII-only JSON writes it (Python's default): every other UTF-16 unit as `\uXXXX`, in upper or lower case. */
const asciiJson = (text: string, upper = false): string =>
  text.replace(/[^\x20-\x7e]/g, (c) => {
    const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
    return `\\u${upper ? hex.toUpperCase() : hex}`;
  });

describe('Scrubber, a name in other forms', () => {
  it.each([
    ['sent NFD, echoed NFC', NAME.normalize('NFD'), NAME.normalize('NFC')],
    ['sent NFC, echoed NFD', NAME.normalize('NFC'), NAME.normalize('NFD')],
    ['sent NFC, echoed without its accents', NAME.normalize('NFC'), 'Zoe Renee Astrom'],
    ['sent NFD, echoed in fullwidth letters', NAME.normalize('NFD'), 'Ｚｏë Ｒｅｎéｅ Åｓｔｒöｍ'],
  ])('removes it %s, whole and word by word', (_label, sent, echoed) => {
    const out = scrubberFor(sent).scrub(`name ${echoed} is taken; ${echoed.split(' ').toReversed().join(', ')}`);
    expect(out).toBe(`name ${REDACTED} is taken; ${REDACTED}, ${REDACTED}, ${REDACTED}`);
    for (const word of ['zoë', 'zoe', 'renée', 'renee', 'åström', 'astrom']) expect(plainOf(out)).not.toContain(word);
  });

  it.each([
    ['"Last, First"', 'contact Garcia, Maria already exists', 'contact [redacted], [redacted] already exists'],
    ['upper-case surname first', 'contact GARCIA Maria already exists', 'contact [redacted] [redacted] already exists'],
    ['first and last name fields', 'first_name=Maria last_name=Garcia', 'first_name=[redacted] last_name=[redacted]'],
    ['JSON fields', '{"given":"María","family":"García"}', '{"given":"[redacted]","family":"[redacted]"}'],
    ['one part alone', 'Dear Maria, retry', 'Dear [redacted], retry'],
  ])('removes each word of a name echoed as %s', (_label, text, out) => {
    expect(new Scrubber(KEY, ['María García']).scrub(text)).toBe(out);
  });

  it('takes words of three letters or more as secrets, never shorter ones or numbers alone', () => {
    const short = new Scrubber(KEY, ['Li Wu-Ng Kim', 'plan 2024']);
    expect(short.scrub('kim, li wu ng; plan for 2024')).toBe('[redacted], li wu ng; [redacted] for 2024');
  });

  it.each([
    ['NFC, lower-case hex', asciiJson(NAME.normalize('NFC'))],
    ['NFC, upper-case hex', asciiJson(NAME.normalize('NFC'), true)],
    ['NFD (each accent its own escape)', asciiJson(NAME.normalize('NFD'))],
  ])('removes a name echoed as \\u-escaped JSON (%s), whole and word by word', (_label, echoed) => {
    const out = scrubberFor(NAME).scrub(`name ${echoed} is taken; ${echoed.split(' ').toReversed().join(', ')}`);
    expect(out).toBe(`name ${REDACTED} is taken; ${REDACTED}, ${REDACTED}, ${REDACTED}`);
  });

  it('reads a surrogate pair of escapes as the one character it stands for', () => {
    // Astral compatibility ideographs, which fold to other letters: read half by half, they would not.
    const astral = '\u{2F800}\u{2F801}\u{2F802}';
    const out = new Scrubber(KEY, [astral]).scrub(`name ${asciiJson(astral)} is taken`);
    expect(out).toBe(`name ${REDACTED} is taken`);
    expect(new Scrubber(KEY, [astral]).scrub('name \\u{2F800}\\u{2F801}\\u{2F802} is taken')).toBe(
      `name ${REDACTED} is taken`,
    );
  });

  it('reads only escapes: a backslash before other text, and an escape no value holds, stay', () => {
    const text = 'path C:\\users\\u00e9t\\x41 and \\u0041BC and \\uZZZZ';
    expect(scrubberFor(NAME).scrub(text)).toBe(text);
  });

  it('keeps the words of a message that no value holds', () => {
    const named = new Scrubber(KEY, ['María García', 'maria.garcia@example.com']);
    const text = 'name must be shorter than 256 characters; Mariana and Garcias are other people';
    expect(named.scrub(text)).toBe(text);
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
    plain = new Scrubber('sk_plain_key_q8zw', ['zebracrossingalpha', 'Zoe4', 'Bob', 'abcdefg\uffff']);
  });

  it('replaces a secret at the very start with one marker', () => {
    expect(plain.scrub('zebracrossingalpha said hi')).toBe('[redacted] said hi');
    expect(plain.scrub('x zebracrossingalpha y')).toBe('x [redacted] y');
  });

  it('removes a secret shorter than a piece where it occurs whole, and ignores one too short to matter', () => {
    expect(plain.scrub('hi zoe4 there')).toBe('hi [redacted] there');
    expect(new Scrubber('sk_plain_key_q8zw', ['Bo']).scrub('Bo said hi')).toBe('Bo said hi');
  });

  it('removes a three-letter word of a value where it stands as a word, and nowhere inside another', () => {
    expect(plain.scrub('Bob said hi')).toBe('[redacted] said hi');
    expect(plain.scrub('bobsled: BOB_x')).toBe('bobsled: [redacted]_x');
    expect(plain.scrub('Bobby said hi')).toBe('Bobby said hi');
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

/** Every byte of `text`'s UTF-8 as %XX. */
const percentEncoded = (text: string): string =>
  Array.from(Buffer.from(text), (byte) => byte)
    .map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`)
    .join('');
const fullwidth = (text: string): string =>
  text.replace(/[\x21-\x7e]/g, (c) => String.fromCodePoint(c.charCodeAt(0) - 0x21 + 0xff01));

describe('Scrubber, failing closed on the key', () => {
  it.each([
    ['U+2066 (left-to-right isolate)', between(KEY, '\u2066')],
    ['U+2069 (pop directional isolate)', between(KEY, '\u2069')],
    ['U+061C (Arabic letter mark)', between(KEY, '\u061c')],
    ['U+034F (combining grapheme joiner)', between(KEY, '\u034f')],
    ['U+FE0F (variation selector 16)', between(KEY, '\ufe0f')],
    ['U+180B (Mongolian free variation selector)', between(KEY, '\u180b')],
    ['U+3164 (Hangul filler)', between(KEY, '\u3164')],
    ['U+E0020 (tag space)', between(KEY, '\u{e0020}')],
    ['NUL', between(KEY, '\u0000')],
    ['ESC', between(KEY, '\u001b')],
    ['fullwidth', fullwidth(KEY)],
    ['with every byte percent-encoded', percentEncoded(KEY)],
    ['reversed', reversed(KEY)],
    ['as decimal HTML entities', Array.from(KEY, (c) => `&#${c.codePointAt(0)};`).join('')],
    ['as hexadecimal HTML entities', Array.from(KEY, (c) => `&#x${c.codePointAt(0)!.toString(16)};`).join('')],
    ['with named HTML entities', KEY.replaceAll('_', '&lowbar;')],
  ])('withholds the text when the key echoes with %s', (_form, echoed) => {
    const text = `key ${echoed} refused`;
    expect(keyReadable(KEY, text)).toBe(true);
    const out = scrubber.scrub(text);
    expect(keyReadable(KEY, out)).toBe(false);
    expect(out).toBe(withheld(text.length));
  });
});

describe('Scrubber, deciding on what it cannot read', () => {
  it.each([
    ['a named HTML entity it does not decode', 'caf&eacute; refused'],
    ['an "&" before a letter (an entity without its ";")', 'Q&A refused'],
    ['%XX nested ten deep', `x%${'25'.repeat(9)}41`],
  ])('withholds a text with %s', (_label, text) => {
    expect(scrubber.scrub(text)).toBe(withheld(text.length));
  });

  it('keeps a text whose encodings it reads', () => {
    for (const text of ['Tom &amp; Jerry &lt;3 &#65;', `x%${'25'.repeat(2)}41`, 'a \\u0041 b']) {
      expect(scrubber.scrub(text)).toBe(text);
    }
  });

  it('withholds a text that gives back any of the keys it was given', () => {
    const other = 'sk_tenant_b_Q1w2E3r4T5';
    const both = new Scrubber([other, KEY], [EMAIL]);
    expect(both.scrub(`bad ${KEY}`)).toBe(withheld(`bad ${KEY}`.length));
    expect(both.scrub(`bad ${other}`)).toBe(withheld(`bad ${other}`.length));
    expect(both.scrub('bad request')).toBe('bad request');
  });

  it('judges what it keeps of one answer together: the key in pieces of 5 over a message list', () => {
    const pieces = KEY.match(/.{1,5}/g)!;
    const kept = pieces.map((piece) => scrubber.scrub(piece)).filter((out) => !out.startsWith('[withheld'));
    expect(keyReadable(KEY, kept.join('; '))).toBe(false);
    expect(kept.length).toBeLessThan(pieces.length);
  });

  it('removes a personal value with characters that show nothing inside it', () => {
    const out = scrubber.scrub(`name ${between('Ada Lovelace-Byron', '\u2066')} refused`);
    expect(out).toBe(`name ${REDACTED} refused`);
  });
});

describe('Scrubber, the edges of its key readings', () => {
  it('compares a key by its letters and digits joined, however short the runs between its punctuation', () => {
    const dashed = new Scrubber('sk-a1b2-c3d4-e5f6', []);
    const text = `key ${between('sk-a1b2-c3d4-e5f6', ' ')}`;
    expect(dashed.scrub(text)).toBe(withheld(text.length));
  });

  it('looks for a key shorter than 6 characters whole, and for nothing less', () => {
    const short = new Scrubber('k-9x', []);
    expect(short.scrub('key k-9x refused')).toBe(withheld('key k-9x refused'.length));
    expect(short.scrub('key K 9 X refused')).toBe(withheld('key K 9 X refused'.length));
    expect(short.scrub('key k-9 refused')).toBe('key k-9 refused');
  });

  it('reads numeric references as a browser does: leading zeros, and U+FFFD past U+10FFFF', () => {
    const zeros = Array.from(KEY.slice(0, 8), (c) => `&#${'0'.repeat(12)}${c.codePointAt(0)};`).join('');
    expect(scrubber.scrub(zeros)).toBe(withheld(zeros.length));
    for (const text of ['&#x110000; &#xFFFFFFFFF;', '%u0041 \\u{10FFFF} \\x41']) {
      expect(scrubber.scrub(text)).toBe(text);
    }
  });

  it('ends a removal after the whole last character when it is a surrogate pair', () => {
    expect(new Scrubber(KEY, ['abcdefg😀']).scrub('abcdefg😀Z!')).toBe('[redacted]Z!');
  });
});

describe('Scrubber against generated forms of the key (fast-check)', () => {
  const RUNS = propertyParameters(200);
  it(
    'withholds, whole, every text a run of 6 or more of the key can be read back out of',
    () => {
      fc.assert(
        fc.property(keyEcho(KEY), (text) => {
          const out = new Scrubber(KEY, [EMAIL]).scrub(text);
          // The generator makes real echoes: each that fits in what is kept gives the key back to a reader.
          expect(text.length > MAX_UPSTREAM_TEXT || keyReadable(KEY, text)).toBe(true);
          expect(out).toBe(keyReadable(KEY, text.slice(0, MAX_UPSTREAM_TEXT)) ? withheld(text.length) : out);
          expect(keyReadable(KEY, out)).toBe(false);
        }),
        RUNS,
      );
    },
    propertyTimeout(RUNS),
  );

  it(
    'keeps ordinary text as it is',
    () => {
      const word = fc.constantFrom(
        'email',
        'must',
        'be',
        'an',
        'invalid',
        'field',
        'name',
        'is',
        'too',
        'long',
        'Bad',
        'Request',
        'code',
        '&amp;',
        '%20',
        'ß',
        'İ',
        '—',
        '😀',
      );
      fc.assert(
        fc.property(fc.array(word, { maxLength: 30 }), fc.constantFrom(' ', ', ', '; ', ': '), (words, separator) => {
          const text = words.join(separator).slice(0, MAX_UPSTREAM_TEXT);
          expect(new Scrubber(KEY, [EMAIL]).scrub(text)).toBe(text);
        }),
        RUNS,
      );
    },
    propertyTimeout(RUNS),
  );
});
