// `Date.parse` alone takes "1", "March 7" and 30 February (as 2 March): times are checked by their
// ISO 8601 form first, then for a real day.

/** An ISO 8601 date, with a time (and a zone) or without. */
const ISO_DATE = /^\d{4}-\d\d-\d\d(?:T\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|[+-]\d\d:?\d\d)?)?$/;
/** An ISO 8601 date and time: a time of day after `T`, then a zone or none. */
const ISO_DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|[+-]\d\d:?\d\d)?$/;

/**
 * Whether `text` is an ISO 8601 time of a real day: a date-time (`2026-01-31T09:30:00Z`, seconds,
 * fraction and zone optional), or, when `form` allows it, a bare date (`2026-01-31`) too.
 */
export function isIsoTime(text: string, form: 'date-only allowed' | 'date-time'): boolean {
  if (!(form === 'date-time' ? ISO_DATE_TIME : ISO_DATE).test(text) || Number.isNaN(Date.parse(text))) return false;
  const [year = 0, month = 0, day = 0] = text.slice(0, 10).split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}
