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
