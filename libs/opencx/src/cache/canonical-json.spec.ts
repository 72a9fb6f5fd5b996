import * as fc from 'fast-check';
import { canonicalJson } from './canonical-json.js';
import { payloadKey, tokenExpiry } from './token-cache.js';

/** The key the service computes for a payload. */
const key = (apiKey: string, payload: object) => payloadKey(apiKey, canonicalJson(payload));

describe('canonicalJson and payloadKey', () => {
  it('sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[2,{"x":0,"y":1}]},"b":1}',
    );
  });

  it('means what JSON.stringify means, whatever the key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        const reversed = JSON.parse(JSON.stringify(value), (_key, item: unknown) =>
          item && typeof item === 'object' && !Array.isArray(item)
            ? Object.fromEntries(Object.entries(item).toReversed())
            : item,
        ) as unknown;
        expect(canonicalJson(reversed)).toBe(text);
      }),
    );
  });

  it('gives the same key for the same payload in any key order, and different keys per API key', () => {
    const a = key('key-1', { email: 'a@example.com', name: 'A' });
    expect(key('key-1', { name: 'A', email: 'a@example.com' })).toBe(a);
    expect(key('key-2', { email: 'a@example.com', name: 'A' })).not.toBe(a);
    expect(key('key-1', { email: 'a@example.com', name: 'B' })).not.toBe(a);
    expect(a).not.toContain('example');
  });
});

/** A JWT-shaped string with the given claims. */
const jwt = (payload: object) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

describe('tokenExpiry', () => {
  it('reads the exp claim in ms, or undefined', () => {
    expect(tokenExpiry(jwt({ exp: 1_800_000_000 }))).toBe(1_800_000_000_000);
    expect(tokenExpiry(jwt({ sub: 'x' }))).toBeUndefined();
    expect(tokenExpiry('opaque-token')).toBeUndefined();
    expect(tokenExpiry('a.%%%.c')).toBeUndefined();
  });
});
