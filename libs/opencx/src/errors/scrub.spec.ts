import { MAX_UPSTREAM_TEXT, REDACTED, Scrubber } from './scrub.js';

const KEY = 'sk_live_CANARY_0123456789abcdef';
const EMAIL = 'leak.canary@example.com';
const scrubber = new Scrubber(KEY, [EMAIL, 'Ada Lovelace-Byron', '+15550100999', 'hdr_secret_value']);

describe('Scrubber', () => {
  it.each([
    ['as is', EMAIL],
    ['URL-encoded', encodeURIComponent(EMAIL)],
    ['in upper case', EMAIL.toUpperCase()],
    ['JSON-escaped', JSON.stringify('a"b' + KEY).slice(1, -1)],
    ['cut short', KEY.slice(0, 12)],
    ['as an 8-character piece', KEY.slice(9, 17)],
    ['in base64', Buffer.from(KEY).toString('base64')],
  ])('removes a secret echoed %s', (_form, echoed) => {
    const out = scrubber.scrub(`user ${echoed} refused`);
    expect(out).toContain(REDACTED);
    expect(out.toLowerCase()).not.toContain(echoed.toLowerCase().slice(0, 8));
  });

  it('removes the name and a header value, and words shaped like emails or phones', () => {
    const out = scrubber.scrub('Ada Lovelace-Byron sent hdr_secret_value; other@x.io +44 20 7946 0958x Bearer abc');
    for (const leaked of ['Lovelace', 'hdr_secret', 'other@x.io', '7946', 'abc']) expect(out).not.toContain(leaked);
    expect(out).toContain('sent');
  });

  it('keeps ordinary text and cuts it to a bound first', () => {
    expect(scrubber.scrub('email must be an email')).toBe('email must be an email');
    expect(scrubber.scrub('x'.repeat(10_000))).toHaveLength(MAX_UPSTREAM_TEXT);
  });

  it('looks only at the bounded prefix of a huge text (the cause of quadratic scrubbing)', () => {
    const huge = `${'a'.repeat(1_000_000)}@${'b'.repeat(1_000_000)}`;
    expect(scrubber.scrub(huge)).toBe(scrubber.scrub(huge.slice(0, MAX_UPSTREAM_TEXT)));
  });
});
