/**
 * The language codes OpenCX accepts for a contact, in the API reference's order (the reference
 * lists `tr` twice; it appears here once).
 */
// prettier-ignore
export const OPENCX_LANGUAGES = [
  'en', 'fr', 'de', 'nl', 'pl', 'pt', 'es', 'it', 'ru', 'ja', 'ko', 'zh', 'ar', 'tr',
  'sv', 'da', 'no', 'fi', 'el', 'cs', 'hu', 'th', 'vi', 'id', 'he', 'hi', 'uk', 'ro',
  'bg', 'hr', 'sk', 'sl', 'sr', 'et', 'lv', 'lt', 'is', 'ga', 'ms', 'tl', 'fa', 'bn',
  'ta', 'te', 'ur', 'sw', 'zu', 'af', 'sq', 'hy', 'az', 'eu', 'be', 'bs', 'ca', 'cy',
] as const;

/** One of {@link OPENCX_LANGUAGES}. */
export type OpenCxLanguage = (typeof OPENCX_LANGUAGES)[number];

const CODES: ReadonlySet<string> = new Set(OPENCX_LANGUAGES);

/** Each code's English name, lower-cased (`en` → `english`), from the runtime's ICU data. */
const NAMES: ReadonlyMap<string, OpenCxLanguage> = (() => {
  const names = new Map<string, OpenCxLanguage>();
  const display = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
  for (const code of OPENCX_LANGUAGES) {
    const name = display.of(code)?.toLowerCase();
    if (name) names.set(name, code);
  }
  return names;
})();

/**
 * The language code a wrong value most likely meant: `EN` and `en-US` → `en`, `english` → `en`,
 * by English name. Undefined when nothing is close.
 */
export function closestLanguage(value: string): OpenCxLanguage | undefined {
  const lower = value.trim().toLowerCase();
  const base = lower.split(/[-_]/)[0] ?? lower;
  if (CODES.has(base)) return base as OpenCxLanguage;
  return NAMES.get(lower) ?? NAMES.get(lower.split(/[\s(]/)[0] ?? lower);
}
