import * as fc from 'fast-check';

const NAMED: Record<string, string> = { lowbar: '_', period: '.', num: '#', colon: ':', amp: '&' };
const fromCode = (digits: string, radix: number): string => {
  const code = parseInt(digits, radix);
  return code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
};
const IGNORABLE = /[\p{Cf}\p{Cc}\p{Mn}\p{Me}\p{Variation_Selector}\u115f\u1160\u3164\uffa0\u2800]/gu;

/**
 * What a reader gets back out of `text`, worked out independently of the scrubber: %XX, HTML
 * entities (numeric with or without `;`, a few named) and `\u` escapes decoded, three rounds deep,
 * compatibility forms made plain (NFKC), every format, control, combining, variation-selector and
 * filler character removed, in lower case.
 */
export function readBack(text: string): string {
  let decoded = text;
  for (let round = 0; round < 3; round++) {
    decoded = decoded
      .replace(/(?:%[0-9a-f]{2})+/gi, (run) => Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'))
      .replace(/&#x([0-9a-f]+);?/gi, (_m, hex: string) => fromCode(hex, 16))
      .replace(/&#(\d+);?/g, (_m, dec: string) => fromCode(dec, 10))
      .replace(/\\u([0-9a-f]{4})/gi, (_m, hex: string) => fromCode(hex, 16))
      .replace(/&([a-z]+);/gi, (m, name: string) => NAMED[name] ?? m);
  }
  // Removed before NFKC too: NFKC would compose a letter and a mark put after it into one character.
  return decoded.replace(IGNORABLE, '').normalize('NFKC').replace(IGNORABLE, '').toLowerCase();
}

/** `text` by code points, last first. */
export const reversed = (text: string): string => Array.from(text).toReversed().join('');

/** Whether `key`, or 6 consecutive characters of it, forwards or reversed, can be read back out of `text`. */
export function keyReadable(key: string, text: string): boolean {
  const read = readBack(text);
  const lower = key.toLowerCase();
  for (let i = 0; i + 6 <= lower.length; i++) {
    const piece = lower.slice(i, i + 6);
    if (read.includes(piece) || read.includes(reversed(piece))) return true;
  }
  return false;
}

/** Ways to write one character that a reader still reads as it. */
const LOOKALIKE = {
  fullwidth: (c: string) => (/[\x21-\x7e]/.test(c) ? String.fromCodePoint(c.charCodeAt(0) - 0x21 + 0xff01) : c),
  bold: (c: string) =>
    /[a-z]/.test(c)
      ? String.fromCodePoint(0x1d41a + c.charCodeAt(0) - 97)
      : /[A-Z]/.test(c)
        ? String.fromCodePoint(0x1d400 + c.charCodeAt(0) - 65)
        : /\d/.test(c)
          ? String.fromCodePoint(0x1d7ce + Number(c))
          : c,
  accented: (c: string) => `${c}\u0301`,
  enclosed: (c: string) => `${c}\u20dd`,
  plain: (c: string) => c,
};
/** Ways to encode one character that decoding undoes. */
const ENCODING = {
  percent: (c: string) =>
    Array.from(Buffer.from(c), (b) => b)
      .map((b) => `%${b.toString(16).padStart(2, '0')}`)
      .join(''),
  decimal: (c: string) => `&#${c.codePointAt(0)};`,
  decimalBare: (c: string) => `&#00${c.codePointAt(0)}`,
  hex: (c: string) => `&#X${c.codePointAt(0)!.toString(16)};`,
  named: (c: string) => ({ _: '&lowbar;', '.': '&period;' })[c as '_' | '.'] ?? c,
  escape: (c: string) => (c.length === 1 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c),
};
/** Characters that show nothing, put between an echo's characters. */
export const FILLERS = [
  '\u2066',
  '\u2069',
  '\u061c',
  '\u034f',
  '\ufe0f',
  '\u180b',
  '\u3164',
  '\u{e0020}',
  '\u0000',
  '\u001b',
  '\u200b',
  '\u00ad',
  '\u115f',
  '\u1160',
  '\uffa0',
  '\u2800',
  '\u{e0100}',
  '\u202e',
];

/**
 * Text echoing a run of 6 or more characters of `key`, as a hostile upstream could: in any case,
 * looking alike (fullwidth, mathematical bold, accented, enclosed), with invisible characters
 * between, perhaps reversed, then encoded up to twice (%XX, HTML references, named entities, `\u`
 * escapes), all or some characters at a time, inside some words.
 */
export function keyEcho(key: string): fc.Arbitrary<string> {
  return fc
    .record({
      start: fc.nat({ max: Math.max(0, key.length - 6) }),
      length: fc.integer({ min: 6, max: 12 }),
      caseOf: fc.constantFrom('upper', 'lower', 'as is', 'alternate'),
      look: fc.constantFrom(...(Object.keys(LOOKALIKE) as Array<keyof typeof LOOKALIKE>)),
      filler: fc.option(fc.constantFrom(...FILLERS), { nil: undefined }),
      reversed: fc.boolean(),
      encodings: fc.array(
        fc.record({
          kind: fc.constantFrom(...(Object.keys(ENCODING) as Array<keyof typeof ENCODING>)),
          all: fc.boolean(),
        }),
        { maxLength: 2 },
      ),
      picks: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
      before: fc.constantFrom('', 'key ', 'Invalid API key: ', '« '),
      after: fc.constantFrom('', ' refused', '"}', ' …'),
    })
    .map((f) => {
      const cased = (c: string, i: number): string =>
        f.caseOf === 'upper' || (f.caseOf === 'alternate' && i % 2)
          ? c.toUpperCase()
          : f.caseOf === 'lower'
            ? c.toLowerCase()
            : c;
      let chars = Array.from(key.slice(f.start, f.start + f.length)).map((c, i) => LOOKALIKE[f.look](cased(c, i)));
      const { filler } = f;
      if (filler !== undefined) chars = chars.flatMap((c, i) => (i === 0 ? [c] : [filler, c]));
      if (f.reversed) chars = chars.toReversed();
      // A reference without its ";" is outermost only: encoding its digits again would change what it says.
      const encodings = f.encodings.filter((e, i) => e.kind !== 'decimalBare' || i === f.encodings.length - 1);
      for (const { kind, all } of encodings) {
        // Every character of an element: an earlier encoding made it several.
        const encode = (element: string): string => Array.from(element, (c) => ENCODING[kind](c)).join('');
        chars = chars.map((c, i) => (all || kind === 'decimalBare' || f.picks[i % f.picks.length] ? encode(c) : c));
      }
      return `${f.before}${chars.join('')}${f.after}`;
    });
}
