import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const SALT = 'nestjs-opencx';
const INFO = 'token cache v2';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Contact tokens are bearer credentials, so every cache entry is sealed before a store sees it:
 * AES-256-GCM under a key derived from the organisation's API key with HKDF, with the entry's
 * contact key and payload hash as authenticated data. A store's dump alone then gives nothing
 * usable, and an entry moved to another contact's key, or another payload, does not open.
 * Keys are derived once per API key.
 */
export class TokenCrypto {
  private readonly keys = new Map<string, Buffer>();

  private keyFor(apiKey: string): Buffer {
    let key = this.keys.get(apiKey);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', apiKey, SALT, INFO, 32));
      this.keys.set(apiKey, key);
    }
    return key;
  }

  /** `iv | tag | ciphertext`, base64, bound to `context` (the contact key and payload hash). */
  seal(apiKey: string, context: string, plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keyFor(apiKey), iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
  }

  /** The plaintext, or undefined when the value was not sealed with this API key and context (or was altered). */
  open(apiKey: string, context: string, sealed: string): string | undefined {
    try {
      const data = Buffer.from(sealed, 'base64');
      if (data.length < IV_BYTES + TAG_BYTES) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', this.keyFor(apiKey), data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(data.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
