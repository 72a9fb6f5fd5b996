/**
 * How a 400 names a field: by its dotted path, each key shown short, the whole path bounded, so a
 * body with a huge key gets a small answer (its path and message echo the key more than once).
 */

/** Characters of one key shown in a path; a longer key is cut and ends with `…`. */
export const MAX_KEY_SHOWN = 40;
/** Characters of a whole path shown; a longer path is cut and ends with `…`. */
export const MAX_FIELD_PATH = 200;

/** `text` cut to `max` characters (code points, so no pair is split), ending with `…` when cut. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** A key as a path shows it: `""` for the empty key, which would otherwise name nothing. */
export function shownKey(key: string): string {
  return key === '' ? '""' : cut(key, MAX_KEY_SHOWN);
}

/**
 * The path of `key` inside the field at `parent` ('' for the body itself), bounded. Without a key
 * (class-validator's error about a nested value of no known class), the parent itself.
 */
export function fieldPath(parent: string, key: string | undefined): string {
  if (typeof key !== 'string') return parent || '(body)';
  return cut(parent ? `${parent}.${shownKey(key)}` : shownKey(key), MAX_FIELD_PATH);
}

/** `message` about the field named `key`, with the key as a path shows it (class-validator's messages repeat it). */
export function messageAbout(key: string | undefined, message: string, max: number): string {
  if (typeof key !== 'string') return cut(message, max);
  const shown = shownKey(key);
  const rewritten =
    shown === key
      ? message
      : key === ''
        ? message.replace(/(property|each value in) {2}/, `$1 ${shown} `)
        : message.split(key).join(shown);
  return cut(rewritten, max);
}
