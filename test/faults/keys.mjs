// The library's keys in Redis, as the simulation finds them from outside: by pattern and type, never
// by computing their names. A redesign of the Redis store edits only KEY_ROLES.

/** Every key the library writes starts with this (SCAN MATCH pattern). */
export const LIBRARY_KEYS = 'opencx:*';

/**
 * One row per key role. `pattern` names the key with `%s` for the hash tag its siblings share
 * (a contact, a limiter key, or the fleet itself); `family` says which; `type` is what the library
 * stores there. `stale` makes a member of the fleet's membership that stopped beating some windows
 * ago: its score as the store writes it (fleet time in ms), for the membership role only.
 */
export const KEY_ROLES = [
  { role: 'token', family: 'contact', pattern: 'opencx:{%s}:token', type: 'string' },
  { role: 'lock', family: 'contact', pattern: 'opencx:{%s}:lock', type: 'string' },
  { role: 'evicted', family: 'contact', pattern: 'opencx:{%s}:evicted', type: 'string' },
  // A contact id's note: the contact keys its tokens are cached under.
  { role: 'note', family: 'contact', pattern: 'opencx:{%s}:note', type: 'set' },
  { role: 'log', family: 'limiter', pattern: 'opencx:{%s}:log', type: 'zset' },
  { role: 'sent', family: 'limiter', pattern: 'opencx:{%s}:sent', type: 'zset' },
  { role: 'pause', family: 'limiter', pattern: 'opencx:{%s}:pause', type: 'string' },
  // The fleet's clock: a hash of fleet time (L) and the server's clock when it was read (R).
  { role: 'clock', family: 'fleet', pattern: 'opencx:{%s}:clock', type: 'hash', fixedTag: 'fleet' },
  {
    role: 'members',
    family: 'fleet',
    pattern: 'opencx:{%s}:members',
    type: 'zset',
    fixedTag: 'fleet',
    stale: (fleetNowMs, windowMs) => fleetNowMs - 2 * windowMs,
  },
  // Members that left or stopped beating lately: their bookings hold no slot.
  { role: 'departed', family: 'fleet', pattern: 'opencx:{%s}:departed', type: 'zset', fixedTag: 'fleet' },
];

/** Fleet time as the library's scripts read it: the clock's L, advanced by the server's clock since R. */
export async function fleetTime(client, redisNowMs) {
  const clock = keyOf('clock', 'fleet');
  if ((await client.type(clock)) !== 'hash') return undefined;
  const [l, r] = (await client.hmGet(clock, ['L', 'R'])).map(Number);
  return Number.isFinite(l) && Number.isFinite(r) ? l + (redisNowMs - r) : undefined;
}

/** Plain code-unit order, the same on every machine (no locale). */
export const byText = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const MATCHERS = KEY_ROLES.map((row) => ({
  row,
  regex: new RegExp(`^${row.pattern.split('%s').map(escape).join('(.+)')}$`),
}));

/** The role row and hash tag of a library key, or undefined for a key no row describes. */
export function classify(key) {
  for (const { row, regex } of MATCHERS) {
    const match = regex.exec(key);
    if (match && (row.fixedTag === undefined || match[1] === row.fixedTag)) return { row, tag: match[1] };
  }
  return undefined;
}

/** The name of `role`'s key for hash tag `tag`. */
export function keyOf(role, tag) {
  const row = KEY_ROLES.find((r) => r.role === role);
  if (!row) throw new Error(`no key role ${role}`);
  return row.pattern.replace('%s', tag);
}

/** Every library key now in Redis (SCAN, never KEYS: the store keeps serving meanwhile). */
export async function scanLibraryKeys(client) {
  const keys = [];
  let cursor = '0';
  do {
    const reply = await client.scan(cursor, { MATCH: LIBRARY_KEYS, COUNT: 500 });
    cursor = String(reply.cursor);
    keys.push(...reply.keys);
  } while (cursor !== '0');
  return keys;
}

const sorted = (set) => [...set].toSorted(byText);

/** The hash tags of each family seen in `keys`: { contact: [...], limiter: [...], fleet: [...] }. */
export function tagsByFamily(keys) {
  const out = { contact: new Set(), limiter: new Set(), fleet: new Set() };
  for (const key of keys) {
    const found = classify(key);
    if (found) out[found.row.family].add(found.tag);
  }
  return { contact: sorted(out.contact), limiter: sorted(out.limiter), fleet: sorted(out.fleet) };
}

/**
 * The library keys without a TTL: { key, role, type }. A key no row describes is reported too (role
 * undefined): the table is out of date, or the library writes a key nobody expected.
 */
export async function keysWithoutTtl(client) {
  const missing = [];
  for (const key of await scanLibraryKeys(client)) {
    if ((await client.pTTL(key)) !== -1) continue;
    missing.push({ key, role: classify(key)?.row.role, type: await client.type(key) });
  }
  return missing;
}
