/** What replaces a secret wherever the library would otherwise print it. */
export const REDACTED = '[redacted]';

/** Longest piece of upstream text the library keeps (in an error's message or body). */
export const MAX_UPSTREAM_TEXT = 200;

// Pieces this long that also occur in a secret are removed: long enough not to shred ordinary
// words, short enough to catch a value cut short or spliced into another string. The API key, the
// one secret an attacker wants whole, is looked for in shorter pieces.
const PIECE = 8;
const KEY_PIECE = 6;
// Secrets shorter than a piece are removed only where they occur whole; shorter than this, never
// (a two-letter name would shred every message without protecting anyone).
const MIN_WHOLE = 4;

// Characters that show nothing: an echo may hide a secret behind them.
const INVISIBLE = /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/u;

/** `text` lower-cased without invisible characters, and for each of its code units the index in `text` it came from. */
function normalise(text: string): { folded: string; from: number[] } {
  let folded = '';
  const from: number[] = [];
  let index = 0;
  for (const char of text) {
    if (!INVISIBLE.test(char)) {
      // Lower case may be longer than the character (İ gives two code units): each maps back to it.
      const lower = char.toLowerCase();
      folded += lower;
      for (let i = 0; i < lower.length; i++) from.push(index);
    }
    index += char.length;
  }
  return { folded, from };
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
 * The secrets of one request, prepared for {@link Scrubber.scrub}: every piece of each form of each
 * value (8 characters, 6 for the API key), lower-cased, so a look-up is a hash per position of the text.
 */
export class Scrubber {
  private readonly pieces = new Set<string>();
  private readonly keyPieces = new Set<string>();
  private readonly whole: string[] = [];

  /** `apiKey` first, then the request's personal values. */
  constructor(apiKey: string, values: Iterable<string>) {
    this.add(apiKey, this.keyPieces, KEY_PIECE);
    for (const value of values) this.add(value, this.pieces, PIECE);
  }

  private add(secret: string, into: Set<string>, size: number): void {
    if (secret.length < MIN_WHOLE) return;
    for (const form of formsOf(secret)) {
      if (form.length < size) this.whole.push(form);
      for (let i = 0; i + size <= form.length; i++) into.add(form.slice(i, i + size));
    }
  }

  /**
   * `text` cut to {@link MAX_UPSTREAM_TEXT} characters first, then with every piece of a secret,
   * and every word shaped like an email, a phone number or a credential, replaced. Matching runs on
   * a lower-cased copy without invisible characters, mapped back to the original's positions, so
   * neither a longer lower case nor a zero-width space can misplace it. Linear in the bounded text.
   */
  scrub(text: string): string {
    const cut = text.slice(0, MAX_UPSTREAM_TEXT);
    const { folded, from } = normalise(cut);
    const hidden = new Uint8Array(cut.length);
    const hide = (start: number, length: number): void => {
      const first = from[start] ?? 0;
      const last = from[start + length - 1] ?? first;
      // Through the whole last character (a surrogate pair is two code units).
      const end = last + ((cut.codePointAt(last) ?? 0) > 0xffff ? 2 : 1);
      hidden.fill(1, first, end);
    };
    for (const [set, size] of [
      [this.pieces, PIECE],
      [this.keyPieces, KEY_PIECE],
    ] as const) {
      for (let i = 0; i + size <= folded.length; i++) if (set.has(folded.slice(i, i + size))) hide(i, size);
    }
    for (const form of this.whole) {
      for (let at = folded.indexOf(form); at !== -1; at = folded.indexOf(form, at + 1)) hide(at, form.length);
    }
    let out = '';
    for (let i = 0; i < cut.length; i++) {
      if (!hidden[i]) out += cut[i];
      else if (i === 0 || !hidden[i - 1]) out += REDACTED;
    }
    return scrubShapes(out);
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
