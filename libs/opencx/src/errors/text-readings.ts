/**
 * The ways a reader could get a secret back out of a piece of text, for the scrubber to decide
 * whether upstream text may be kept at all: decoded, made plain, without what shows nothing, in any
 * case, forwards or reversed.
 */

/** Consecutive characters of a secret that count as giving it away. */
const SECRET_RUN = 6;

// Characters a reader's eye skips: format (Cf), control (Cc) and combining (Mn, Me) characters,
// and every default-ignorable code point (variation selectors, tags, the Hangul fillers U+115F,
// U+1160, U+3164 and U+FFA0), plus the blank braille pattern U+2800, which renders as a space.
const IGNORABLE = /[\p{Cf}\p{Cc}\p{Mn}\p{Me}\p{Default_Ignorable_Code_Point}\u2800]/gu;
const NOT_LETTER_OR_DIGIT = /[^\p{L}\p{N}]/gu;

/**
 * `text` as readings compare it: compatibility forms made plain (NFKD: fullwidth, ligatures and
 * mathematical letters become ASCII, accents come apart), every ignorable character removed (the
 * accents' combining marks with them), in one case (upper then lower, so `ß` and `ſ` meet `ss` and
 * `s`). Two texts equal under NFKC (an NFC echo of an NFD value) fold alike, and so does an echo
 * that dropped the accents. The scrubber folds personal values and upstream text with it too.
 */
export function fold(text: string): string {
  return text.normalize('NFKD').toUpperCase().toLowerCase().normalize('NFKD').replace(IGNORABLE, '');
}

/** `text` by code points, last first. */
function reverse(text: string): string {
  return Array.from(text).toReversed().join('');
}

// HTML's named entities are many; the scrubber decodes these and takes any other `&name` as one it
// cannot read, which withholds the text.
const NAMED: Readonly<Record<string, string>> = {
  amp: '&',
  AMP: '&',
  lt: '<',
  LT: '<',
  gt: '>',
  GT: '>',
  quot: '"',
  QUOT: '"',
  apos: "'",
  nbsp: '\u00a0',
};
const MAX_CODE_POINT = 0x10ffff;

/** The character a numeric reference or escape stands for (as a browser reads it, leading zeros too), or U+FFFD. */
function codePoint(digits: string, radix: number): string {
  const significant = digits.replace(/^0+(?=.)/, '');
  const value = significant.length <= 7 ? parseInt(significant, radix) : Number.POSITIVE_INFINITY;
  return value <= MAX_CODE_POINT ? String.fromCodePoint(value) : '\ufffd';
}

/** One layer of one kind of encoding undone; undefined when the text cannot be read (see {@link decodings}). */
type Decoder = (text: string) => string | undefined;

const PERCENT = /(?:%[0-9a-f]{2})+|%u([0-9a-f]{4})/gi;
const ENTITY = /&#x([0-9a-f]+);?|&#(\d+);?|&([a-z][a-z0-9]*)(;?)/gi;
const ESCAPE = /\\u\{([0-9a-f]+)\}|\\u([0-9a-f]{4})|\\x([0-9a-f]{2})/gi;

const DECODERS: readonly Decoder[] = [
  // %XX as UTF-8 (a byte that is not valid UTF-8 reads as U+FFFD), and %uXXXX.
  (text) =>
    text.replace(PERCENT, (run, unit?: string) =>
      unit !== undefined ? codePoint(unit, 16) : Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'),
    ),
  // HTML references: numeric ones with or without ";", and the named ones above. Any other `&name`
  // could be any character: the text cannot be read.
  (text) => {
    let unreadable = false;
    const decoded = text.replace(ENTITY, (match, hex?: string, dec?: string, name?: string, semi?: string) => {
      if (hex !== undefined) return codePoint(hex, 16);
      if (dec !== undefined) return codePoint(dec, 10);
      const known = semi ? NAMED[name!] : undefined;
      if (known === undefined) unreadable = true;
      return known ?? match;
    });
    return unreadable ? undefined : decoded;
  },
  // JavaScript and JSON escapes.
  (text) =>
    text.replace(ESCAPE, (_match, braced?: string, u4?: string, x2?: string) => codePoint((braced ?? u4 ?? x2)!, 16)),
];
/** Decoding steps followed, and readings kept: text that still decodes after them, or has more, is taken as unreadable. */
const MAX_STEPS = 8;
const MAX_READINGS = 64;

/**
 * `text` and every reading of it that undoing one kind of encoding at a time can give, in any
 * order (a bare `&#0087` followed by an encoded digit reads differently in each); undefined when
 * one of them cannot be read, or they are too many or do not end.
 */
function decodings(text: string): string[] | undefined {
  const readings = new Set([text]);
  let frontier = [text];
  for (let step = 0; step <= MAX_STEPS && frontier.length > 0; step++) {
    const next: string[] = [];
    for (const reading of frontier) {
      for (const decode of DECODERS) {
        const decoded = decode(reading);
        if (decoded === undefined) return undefined;
        if (readings.has(decoded)) continue;
        if (step === MAX_STEPS || readings.size === MAX_READINGS) return undefined;
        readings.add(decoded);
        next.push(decoded);
      }
    }
    frontier = next;
  }
  return [...readings];
}

/** Runs of `size` characters of `form`, or the whole form when it is shorter. */
function runsOf(form: string, size: number): { runs: string[]; whole?: string } {
  if (form.length === 0) return { runs: [] };
  if (form.length < size) return { runs: [], whole: form };
  return { runs: Array.from({ length: form.length - size + 1 }, (_, i) => form.slice(i, i + size)) };
}

/** One way of comparing: a secret's runs and short forms, and whether a reading holds one of them. */
class Comparison {
  private readonly runs = new Set<string>();
  private readonly wholes: string[] = [];

  add(form: string): void {
    for (const direction of [form, reverse(form)]) {
      const { runs, whole } = runsOf(direction, SECRET_RUN);
      for (const run of runs) this.runs.add(run);
      if (whole !== undefined) this.wholes.push(whole);
    }
  }

  foundIn(reading: string): boolean {
    for (let i = 0; i + SECRET_RUN <= reading.length; i++)
      if (this.runs.has(reading.slice(i, i + SECRET_RUN))) return true;
    return this.wholes.some((whole) => reading.includes(whole));
  }
}

/**
 * A secret as every reading of a text is compared with it: {@link SECRET_RUN} consecutive
 * characters of any of its forms (or the whole form, when shorter), forwards or reversed. Each form
 * is compared as folded, and again with only its letters and digits, so characters put between
 * the secret's (spaces, punctuation, line breaks) do not hide it either.
 */
export class SecretReadings {
  private readonly folded = new Comparison();
  private readonly lettersAndDigits = new Comparison();

  /** `forms`: the secret and the encodings it may be echoed in that decoding does not undo (base64). */
  constructor(forms: Iterable<string>) {
    for (const form of forms) {
      for (const layer of decodings(form) ?? [form]) {
        const plain = fold(layer);
        this.folded.add(plain);
        this.lettersAndDigits.add(plain.replace(NOT_LETTER_OR_DIGIT, ''));
      }
    }
  }

  /**
   * Whether the secret can be read back out of `text`: from the text or any decoding of it, folded,
   * or with only its letters and digits. A text that cannot be decoded (an unknown named entity, an
   * encoding nested too deep) counts as giving it away.
   */
  readableIn(text: string): boolean {
    const layers = decodings(text);
    if (layers === undefined) return true;
    return layers.some((layer) => {
      const plain = fold(layer);
      return this.folded.foundIn(plain) || this.lettersAndDigits.foundIn(plain.replace(NOT_LETTER_OR_DIGIT, ''));
    });
  }
}
