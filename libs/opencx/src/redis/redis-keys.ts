/**
 * Every key the Redis fleet store writes, in one place (a fault simulation and an operator read the
 * same names). `prefix` separates unrelated applications sharing one Redis. The keys one script
 * touches share a hash tag, so they live in one slot of a cluster: a contact's or a limiter key's
 * own (a hash, never an email or API key), and `{fleet}` for the fleet's clock and members.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /**
   * A contact's sealed token (`payload-hash.sealed-entry`), its lock, and when it was last evicted;
   * for a contact id's key, its note (a set of contact keys).
   */
  contact(key: string): { token: string; lock: string; evicted: string; note: string } {
    const tag = `${this.prefix}:{${key}}`;
    return { token: `${tag}:token`, lock: `${tag}:lock`, evicted: `${tag}:evicted`, note: `${tag}:note` };
  }

  /** A limiter key's bookings and sends (sorted sets scored by fleet time), and its 429 pause. */
  limiter(key: string): { log: string; sent: string; pause: string } {
    const tag = `${this.prefix}:{${key}}`;
    return { log: `${tag}:log`, sent: `${tag}:sent`, pause: `${tag}:pause` };
  }

  /**
   * The fleet's clock (a hash: fleet time, and the server time it was read at), its members and the
   * members that left or stopped beating lately (sorted sets scored by fleet time).
   */
  fleet(): { clock: string; members: string; departed: string } {
    const tag = `${this.prefix}:{fleet}`;
    return { clock: `${tag}:clock`, members: `${tag}:members`, departed: `${tag}:departed` };
  }

  /** A pattern matching every key of this prefix (for an operator's SCAN, or a test's). */
  pattern(): string {
    return `${this.prefix}:*`;
  }
}
