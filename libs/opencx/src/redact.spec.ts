import { REDACTED, redact, secretsOf } from './redact.js';

describe('redact', () => {
  it('removes known secret values wherever they occur', () => {
    expect(redact('key sk_abc123 and sk_abc123 again', ['sk_abc123'])).toBe(`key ${REDACTED} and ${REDACTED} again`);
  });

  it('removes anything shaped like an email, a phone number or a bearer credential', () => {
    const text = 'contact JANE@Example.com, phone +44 20 7946 0958, header Authorization: Bearer abc.def';
    const out = redact(text);
    expect(out).not.toMatch(/jane@example\.com/i);
    expect(out).not.toContain('7946');
    expect(out).not.toContain('abc.def');
    expect(out).toContain('contact');
  });

  it('ignores very short secrets that would shred the text', () => {
    expect(redact('status 1 of 10', ['1'])).toBe('status 1 of 10');
  });

  it('collects the key, email, phone and every header-override value of a request', () => {
    expect(
      secretsOf('sk_key', {
        email: 'a@b.co',
        phone: '+1234567',
        http_action_overrides: { headers: { 'X-A': 'secret-a', 'X-N': 12345 } },
      }),
    ).toEqual(['sk_key', 'a@b.co', '+1234567', 'secret-a', '12345']);
    expect(secretsOf('sk_key', {})).toEqual(['sk_key']);
  });
});
