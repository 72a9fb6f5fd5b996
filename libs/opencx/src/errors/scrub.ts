/** What replaces a secret wherever the library would otherwise print it. */
export const REDACTED = '[redacted]';

/** Longest piece of upstream text the library keeps (in an error's message or body). */
export const MAX_UPSTREAM_TEXT = 200;

// Pieces this long that also occur in a secret are removed: long enough not to shred ordinary
// words, short enough to catch a value cut short or spliced into another string.
const PIECE = 8;
// Secrets shorter than a piece are removed only where they occur whole; shorter than this, never
// (a two-letter name would shred every message without protecting anyone).
const MIN_WHOLE = 4;

/** The forms an upstream may echo a value in: as is, URL-encoded, JSON-escaped, and for the key, base64. */
function formsOf(secret: string, isKey: boolean): string[] {
  const forms = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)];
  if (isKey) forms.push(Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url'));
  return forms.map((form) => form.toLowerCase());
}

/**
 * The secrets of one request, prepared for {@link Scrubber.scrub}: every 8-character piece of each
 * form of each value, lower-cased, so a look-up is one hash per position of the text.
 */
export class Scrubber {
  private readonly pieces = new Set<string>();
  private readonly whole: string[] = [];

  /** `apiKey` first (its base64 is covered too), then the request's personal values. */
  constructor(apiKey: string, values: Iterable<string>) {
    this.add(apiKey, true);
    for (const value of values) this.add(value, false);
  }

  private add(secret: string, isKey: boolean): void {
    if (secret.length < MIN_WHOLE) return;
    for (const form of formsOf(secret, isKey)) {
      if (form.length < PIECE) this.whole.push(form);
      for (let i = 0; i + PIECE <= form.length; i++) this.pieces.add(form.slice(i, i + PIECE));
    }
  }

  /**
   * `text` cut to {@link MAX_UPSTREAM_TEXT} characters first, then with every piece of a secret,
   * and every word shaped like an email, a phone number or a credential, replaced. Linear in the
   * (already bounded) text: one set look-up per position and one pass over its words.
   */
  scrub(text: string): string {
    const cut = text.slice(0, MAX_UPSTREAM_TEXT);
    const lower = cut.toLowerCase();
    const hidden = new Uint8Array(cut.length);
    for (let i = 0; i + PIECE <= lower.length; i++) {
      if (this.pieces.has(lower.slice(i, i + PIECE))) hidden.fill(1, i, i + PIECE);
    }
    for (const form of this.whole) {
      for (let at = lower.indexOf(form); at !== -1; at = lower.indexOf(form, at + 1)) {
        hidden.fill(1, at, at + form.length);
      }
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
