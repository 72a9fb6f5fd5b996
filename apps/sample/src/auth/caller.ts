import { createHmac, hash } from 'node:crypto';
import type { Request } from 'express';

/** Who is calling, as the guards established it; `id` is a hash, safe to use as a throttling key. */
export interface Caller {
  kind: 'service' | 'user';
  id: string;
  /** The verified identity, for end users only. */
  email?: string;
  name?: string;
}

export type RequestWithCaller = Request & { caller?: Caller };

// The one-shot `crypto.hash` skips the Hash object that createHash() builds per call.
export const sha256 = (value: string): Buffer => hash('sha256', value, 'buffer');

/**
 * A client address as it may appear in a storage key (Redis in fleet mode): a keyed hash, so a
 * dump of the store lists no address, and the same across instances sharing `secret`.
 */
export function addressKey(request: Request, secret: string): string {
  const address = request.ip ?? request.socket.remoteAddress ?? 'unknown';
  return createHmac('sha256', secret).update(address).digest('base64url').slice(0, 22);
}
