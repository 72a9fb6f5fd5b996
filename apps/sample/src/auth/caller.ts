import { hash } from 'node:crypto';
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
