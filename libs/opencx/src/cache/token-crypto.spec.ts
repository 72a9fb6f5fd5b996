import { TokenCrypto } from './token-crypto.js';

const CONTEXT = 'contact-key\u0000payload-hash';

describe('TokenCrypto', () => {
  it('opens what it sealed, only with the same API key and context', () => {
    const crypto = new TokenCrypto();
    const sealed = crypto.seal('sk_a', CONTEXT, 'plain');
    expect(crypto.open('sk_a', CONTEXT, sealed)).toBe('plain');
    expect(crypto.open('sk_b', CONTEXT, sealed)).toBeUndefined();
    expect(crypto.open('sk_a', 'other-context', sealed)).toBeUndefined();
    expect(new TokenCrypto().open('sk_a', CONTEXT, sealed)).toBe('plain');
  });

  it('opens an entry sealed by an earlier release: instances of a rolling deploy share one cache', () => {
    // Sealed with HKDF-SHA256(apiKey, salt "nestjs-opencx", info "token cache v2") and AES-256-GCM.
    const earlier = '0qxpXpb2cF7GiPFdBvkKojcObJU1txSG5UDY3xg4FdMQ1rAPH8Cbh5Ua3oewLBHRGCz2hzykZxmKLZaTvJkIKNx8Vg==';
    expect(new TokenCrypto().open('sk_known_answer', CONTEXT, earlier)).toBe('{"token":"kat-token","contactId":"c-1"}');
  });

  it('seals with a new IV each time, so equal tokens do not look equal in the store', () => {
    const crypto = new TokenCrypto();
    expect(crypto.seal('sk_a', CONTEXT, 'same')).not.toBe(crypto.seal('sk_a', CONTEXT, 'same'));
  });

  it('opens nothing altered, truncated or empty', () => {
    const crypto = new TokenCrypto();
    const sealed = Buffer.from(crypto.seal('sk_a', CONTEXT, 'plain'), 'base64');
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1]! ^= 1;
    for (const bad of [flipped, sealed.subarray(0, 28), sealed.subarray(0, 27), Buffer.alloc(0)]) {
      expect(crypto.open('sk_a', CONTEXT, bad.toString('base64'))).toBeUndefined();
    }
  });

  it('opens an empty plaintext, but no value cut down to its IV and the first bytes of its tag', () => {
    const crypto = new TokenCrypto();
    const sealed = Buffer.from(crypto.seal('sk_a', CONTEXT, ''), 'base64');
    expect(crypto.open('sk_a', CONTEXT, sealed.toString('base64'))).toBe('');
    // AES-GCM takes tags as short as 4 bytes unless told otherwise: a prefix of the tag must not pass.
    for (const length of [16, 20, 24, 27]) {
      expect(crypto.open('sk_a', CONTEXT, sealed.subarray(0, length).toString('base64'))).toBeUndefined();
    }
  });
});
