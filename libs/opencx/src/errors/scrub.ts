import { fold, SecretReadings } from './text-readings.js';

/** What replaces a secret wherever the library would otherwise print it. */
export const REDACTED = '[redacted]';

/** Longest piece of upstream text the library keeps (in an error's message or body). */
export const MAX_UPSTREAM_TEXT = 200;

/** What stands for upstream text the API key could be read back out of: nothing of it but its length. */
export function withheld(length: number): string {
  return `[withheld: ${length} characters]`;
}

// Pieces this long that also occur in a personal value are removed: long enough not to shred
// ordinary words, short enough to catch a value cut short or spliced into another string.
const PIECE = 8;
// Values shorter than a piece are removed only where they occur whole; shorter than this, never
// (a two-letter name would shred every message without protecting anyone).
const MIN_WHOLE = 4;
// A value's words (runs of letters and digits, with a letter) this long or longer are removed where
// they stand as a word: a name echoed reordered ("Garcia, Maria") or split into fields keeps its
// words, not its 8-character pieces. Three letters keeps common names (Lee, Kim, Ada) and leaves
// out the two-letter glue of every message (of, to, is, an); a word is matched whole, never inside
// another, so a value costs a message only the words it shares with it.
const MIN_WORD = 3;
const WORD_RUN = /[\p{L}\p{N}]+/gu;
const LETTER = /\p{L}/u;
// A combining mark: part of the character before it, so removed with it.
const MARK = /^\p{M}$/u;
// What the scrubber remembers of the texts it kept, to judge the next one together with them.
const KEPT_TAIL = 2 * MAX_UPSTREAM_TEXT;

// Characters that break or turn a line, or say nothing visible: kept text gets a space instead, so
// a message printed in a log stays on its line and reads as it is.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

// A JSON or JavaScript escape of one UTF-16 unit or code point (`\u00e9`, `\u{1F600}`): servers
// that echo with ASCII-only JSON (Python's default) write every accented letter so.
const ESCAPED = /\\u(?:([0-9a-f]{4})|\{([0-9a-f]{1,6})\})/iy;
const HIGH = /^[\ud800-\udbff]$/;
const LOW = /^[\udc00-\udfff]$/;

/** One character of `text` as a reader takes it: an escape read as what it stands for, and where it starts and ends in `text`. */
interface SourceChar {
  char: string;
  start: number;
  end: number;
}

/** The escape at `at` in `text`, read (a surrogate pair of escapes as one character), or undefined. */
function escapeAt(text: string, at: number): SourceChar | undefined {
  ESCAPED.lastIndex = at;
  const match = ESCAPED.exec(text);
  if (match === null) return undefined;
  const value = parseInt((match[1] ?? match[2])!, 16);
  if (value > 0x10ffff) return undefined;
  const char = String.fromCodePoint(value);
  const end = at + match[0].length;
  if (HIGH.test(char)) {
    const low = escapeAt(text, end);
    if (low !== undefined && LOW.test(low.char)) return { char: char + low.char, start: at, end: low.end };
  }
  return { char, start: at, end };
}

/** The characters of `text`, escapes read, each with its place in `text`. */
function sourceChars(text: string): SourceChar[] {
  const chars: SourceChar[] = [];
  for (let at = 0; at < text.length;) {
    const char = String.fromCodePoint(text.codePointAt(at)!);
    const next = (char === '\\' ? escapeAt(text, at) : undefined) ?? { char, start: at, end: at + char.length };
    chars.push(next);
    at = next.end;
  }
  return chars;
}

/**
 * `text` folded character by character as the key's readings fold it (`\uXXXX` escapes read,
 * compatibility forms made plain, accents and invisible characters removed, one case), its
 * characters, and for each folded code unit the index of the character it came from.
 */
function normalise(text: string): { folded: string; chars: SourceChar[]; from: number[] } {
  let folded = '';
  const from: number[] = [];
  const chars = sourceChars(text);
  for (const [index, { char }] of chars.entries()) {
    // A folded character may be longer (ß gives ss, a ligature its letters) or empty: each unit maps back to it.
    const plain = fold(char);
    folded += plain;
    for (let i = 0; i < plain.length; i++) from.push(index);
  }
  return { folded, chars, from };
}

/** Where the character `last` of `chars` ends in the text, with the combining marks on it (an NFD accent is its own code point). */
function characterEnd(chars: SourceChar[], last: number): number {
  let end = last + 1;
  while (end < chars.length && MARK.test(chars[end]!.char)) end++;
  return chars[end - 1]!.end;
}

/** The words of folded text: runs of letters and digits, each with where it starts. */
function wordsOf(folded: string): Array<{ word: string; at: number }> {
  return Array.from(folded.matchAll(WORD_RUN), (match) => ({ word: match[0], at: match.index }));
}

/** The base64 of `secret` wherever it starts in a longer value (`Basic base64("k:" + key)`): the characters fixed by it alone. */
function base64Forms(secret: string): string[] {
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), Buffer.from(secret)]);
    for (const alphabet of ['base64', 'base64url'] as const) {
      const text = encoded.toString(alphabet).replace(/=+$/, '');
      // The first group holds padding bytes when offset > 0; the last may hold what follows.
      forms.push(text.slice(offset === 0 ? 0 : 4, text.length - 4));
    }
  }
  return forms;
}

/** The forms an upstream may echo a value in: as is, URL-encoded, JSON-escaped, and base64 at any alignment. */
function formsOf(secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), ...base64Forms(secret)];
  return forms.map((form) => normalise(form).folded).filter((form) => form.length > 0);
}

/**
 * The secrets of one request, prepared for {@link Scrubber.scrub}. Upstream text is kept only if
 * the API key cannot be read back out of it in any form (see `text-readings.ts`); otherwise it is
 * withheld whole, its length alone said. From text that is kept, every piece of the request's
 * personal values (8 characters of each form), every word of them (3 letters or more, where it
 * stands as a word: a name reordered or split into first and last name) and every word shaped like
 * an email, a phone number or a credential is removed. Values and text are compared folded: in any
 * case, in either Unicode normal form, with or without accents, fullwidth or not.
 *
 * Its cost is linear in the request's values (made once, and only for an answer that failed) and,
 * per text, in the bounded text times the values shorter than a piece.
 *
 * One scrubber judges one answer: what it keeps, taken together, must not give the key back either
 * (a key cut into short pieces spread over a message list).
 */
export class Scrubber {
  private readonly key: SecretReadings;
  private readonly pieces = new Set<string>();
  private readonly whole: string[] = [];
  private readonly words = new Set<string>();
  private kept = '';

  /**
   * @param apiKeys the key the request was sent with, and any other the answer must not give back
   *   (the registration's own, for a call made with a per-call key).
   * @param values the request's personal values.
   */
  constructor(apiKeys: string | readonly string[], values: Iterable<string>) {
    const keys = typeof apiKeys === 'string' ? [apiKeys] : apiKeys;
    this.key = new SecretReadings(keys.flatMap((key) => [key, JSON.stringify(key).slice(1, -1), ...base64Forms(key)]));
    for (const value of values) this.add(value);
  }

  private add(secret: string): void {
    for (const { word } of wordsOf(normalise(secret).folded))
      if (word.length >= MIN_WORD && LETTER.test(word)) this.words.add(word);
    if (secret.length < MIN_WHOLE) return;
    for (const form of formsOf(secret)) {
      if (form.length < PIECE) this.whole.push(form);
      for (let i = 0; i + PIECE <= form.length; i++) this.pieces.add(form.slice(i, i + PIECE));
    }
  }

  /**
   * `text` cut to {@link MAX_UPSTREAM_TEXT} characters first (the rest is never kept), then either
   * withheld whole ({@link withheld}, with the length of `text`) when the key can be read back out
   * of it or of it together with what this scrubber kept before, or kept with personal values and
   * shaped words replaced by {@link REDACTED}.
   */
  scrub(text: string): string {
    const cut = text.slice(0, MAX_UPSTREAM_TEXT);
    const out = this.redact(cut);
    const together = `${this.kept} ${out}`;
    if (this.key.readableIn(cut) || this.key.readableIn(together)) return withheld(text.length);
    this.kept = together.slice(-KEPT_TAIL);
    return out;
  }

  /**
   * `text` with every piece and word of a personal value, and every word shaped like an email, a
   * phone number or a credential, replaced, and every control, format or line-separator character
   * made a space. Matching runs on a folded copy, mapped back to the original's positions, so
   * neither a longer lower case, a decomposed accent nor a zero-width space can misplace it.
   */
  private redact(cut: string): string {
    const { folded, chars, from } = normalise(cut);
    const hidden = new Uint8Array(cut.length);
    const hide = (start: number, length: number): void => {
      const first = from[start] ?? 0;
      const last = from[start + length - 1] ?? first;
      hidden.fill(1, chars[first]!.start, characterEnd(chars, last));
    };
    for (let i = 0; i + PIECE <= folded.length; i++) if (this.pieces.has(folded.slice(i, i + PIECE))) hide(i, PIECE);
    for (const form of this.whole) {
      for (let at = folded.indexOf(form); at !== -1; at = folded.indexOf(form, at + 1)) hide(at, form.length);
    }
    for (const { word, at } of wordsOf(folded)) if (this.words.has(word)) hide(at, word.length);
    let out = '';
    for (let i = 0; i < cut.length; i++) {
      if (!hidden[i]) out += cut[i];
      else if (i === 0 || !hidden[i - 1]) out += REDACTED;
    }
    return scrubShapes(out).replace(UNPRINTABLE, ' ');
  }
}

// A word: a run of characters that are not spaces or punctuation around values in messages.
const WORD = /[^\s"'<>()[\]{},;]+/g;
// A run of digits with the separators phone numbers are written with.
const PHONE_CHARS = /[\d\s().+-]/;
const MIN_PHONE_DIGITS = 7;

/** Replaces words that look like an email or a bearer credential, then runs that look like phone numbers. */
function scrubShapes(text: string): string {
  let afterBearer = false;
  const words = text.replace(WORD, (word) => {
    const secret = afterBearer || word.includes('@') || word.toLowerCase().includes('%40');
    afterBearer = word.toLowerCase() === 'bearer';
    return secret ? REDACTED : word;
  });
  return scrubPhones(words);
}

/** One pass: each run of digits and separators holding 7 digits or more becomes REDACTED. */
function scrubPhones(text: string): string {
  let out = '';
  let run = '';
  let digits = 0;
  const flush = (): void => {
    out += digits >= MIN_PHONE_DIGITS ? REDACTED + (/\s$/.test(run) ? ' ' : '') : run;
    run = '';
    digits = 0;
  };
  for (const char of text) {
    if (PHONE_CHARS.test(char) && (run !== '' || /[\d+(]/.test(char))) {
      run += char;
      if (char >= '0' && char <= '9') digits++;
    } else {
      flush();
      out += char;
    }
  }
  flush();
  return out;
}

/**
 * Every string (and number, as text) inside `value`: the request's personal values, custom data
 * and override values, none of which may ever be printed.
 */
export function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'number') out.push(String(value));
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) stringsIn(item, out);
  return out;
}
