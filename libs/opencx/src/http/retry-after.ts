/** Longest `Retry-After` kept, in seconds: anything longer is taken as a day, never as forever. */
export const MAX_RETRY_AFTER_SECONDS = 86_400;

const cap = (seconds: number): number => Math.min(seconds, MAX_RETRY_AFTER_SECONDS);

/**
 * Reads `retry-after-ms` or `Retry-After` (delta-seconds or an HTTP date) into seconds, capped at
 * a day; undefined when absent or not valid (`1e20`, `-5`, text). A date in the past means 0.
 */
export function parseRetryAfter(headers: Record<string, unknown>, now: number = Date.now()): number | undefined {
  const ms = headers['retry-after-ms'];
  if (typeof ms === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return cap(Number(ms) / 1000);
  const raw = headers['retry-after'];
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(raw)) return cap(Number(raw));
  // An HTTP date always names its day or month; Date.parse alone would read "-5" as a year.
  const date = /[a-z]/i.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return cap(Math.max(0, (date - now) / 1000));
}
