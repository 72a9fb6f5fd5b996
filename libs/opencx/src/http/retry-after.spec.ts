import { parseRetryAfter } from './retry-after.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-27T12:00:00Z');
  it.each([
    [{ 'retry-after': '3' }, 3],
    [{ 'retry-after': ' 1.5 ' }, 1.5],
    [{ 'retry-after': '0' }, 0],
    [{ 'retry-after': 'Fri, 27 Nov 2026 12:00:30 GMT' }, 30],
    [{ 'retry-after': 'Fri, 27 Nov 2026 11:00:00 GMT' }, 0],
    [{ 'retry-after-ms': '250', 'retry-after': '9' }, 0.25],
    [{ 'retry-after': 'soon' }, undefined],
    [{ 'retry-after': '-5' }, undefined],
    [{ 'retry-after': '' }, undefined],
    [{ 'retry-after': '1e20' }, undefined],
    [{ 'retry-after': '86400000' }, 86_400],
    [{ 'retry-after': 'Fri, 31 Dec 9999 23:59:59 GMT' }, 86_400],
    [{ 'retry-after-ms': 'NaN', 'retry-after': '2' }, 2],
    [{}, undefined],
    // Whitespace around a number is allowed, anything else makes the header invalid.
    [{ 'retry-after-ms': ' 250.25 ', 'retry-after': '2' }, 0.250_25],
    [{ 'retry-after-ms': '250x', 'retry-after': '2' }, 2],
    [{ 'retry-after-ms': 'x250', 'retry-after': '2' }, 2],
    [{ 'retry-after-ms': '250.', 'retry-after': '2' }, 2],
    [{ 'retry-after': '2.55' }, 2.55],
    [{ 'retry-after': '2.' }, undefined],
  ])('%p gives %p seconds', (headers, expected) => {
    expect(parseRetryAfter(headers, now)).toBe(expected);
  });
});
