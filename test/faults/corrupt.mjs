// Faults written into Redis at the library's keys: wrong-typed or garbage values, stale members of
// the fleet's membership, and token entries swapped between contacts. Targets are found by pattern
// and type (keys.mjs); the values written carry a long TTL, so the TTL check stays about what the
// library itself writes.
import { KEY_ROLES, byText, classify, fleetTime, keyOf, scanLibraryKeys, tagsByFamily } from './keys.mjs';
import { TIME_OFFSET_KEY } from './redis-wrapper.mjs';

/** TTL of what the harness writes: longer than any run. */
const GARBAGE_TTL_MS = 3_600_000;

/** Redis's clock as the library's scripts read it: TIME plus the simulated offset, in ms. */
export async function redisNow(client) {
  const [seconds, micros] = await client.sendCommand(['TIME']);
  const offset = Number(await client.get(TIME_OFFSET_KEY)) || 0;
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) + offset;
}

/** The library's time as its scripts read it: fleet time where the fleet's clock is readable, else Redis's. */
async function libraryNow(client) {
  const redis = await redisNow(client);
  return (await fleetTime(client, redis)) ?? redis;
}

/** The garbage variants of a key of `type`: each writes one wrong or hostile value at `key`. */
const VARIANTS = {
  string: {
    hash: (c, key) => c.hSet(key, 'opencx-sim', 'garbage'),
    list: (c, key) => c.rPush(key, 'garbage'),
    text: (c, key) => c.set(key, 'garbage\u0000text'),
    huge: (c, key) => c.set(key, '1e308'),
    negative: (c, key) => c.set(key, '-86400000'),
    future: async (c, key) => c.set(key, String((await libraryNow(c)) + GARBAGE_TTL_MS)),
  },
  zset: {
    string: (c, key) => c.set(key, 'garbage'),
    hash: (c, key) => c.hSet(key, 'opencx-sim', 'garbage'),
    list: (c, key) => c.rPush(key, 'garbage'),
    'far-future': async (c, key) => c.zAdd(key, { score: (await libraryNow(c)) + GARBAGE_TTL_MS, value: 'sim-future' }),
    'far-past': (c, key) => c.zAdd(key, { score: -1e15, value: 'sim-past' }),
    infinite: (c, key) => c.zAdd(key, { score: Number.POSITIVE_INFINITY, value: 'sim-inf' }),
  },
  hash: {
    string: (c, key) => c.set(key, 'garbage'),
    zset: (c, key) => c.zAdd(key, { score: 1, value: 'garbage' }),
    list: (c, key) => c.rPush(key, 'garbage'),
    text: (c, key) => c.hSet(key, { L: 'garbage', R: 'garbage\u0000text' }),
    huge: (c, key) => c.hSet(key, { L: '1e308', R: '1e308' }),
    negative: (c, key) => c.hSet(key, { L: '-86400000', R: '-86400000' }),
    future: async (c, key) => {
      const redis = await redisNow(c);
      return c.hSet(key, { L: String((await libraryNow(c)) + GARBAGE_TTL_MS), R: String(redis) });
    },
    past: async (c, key) => {
      const redis = await redisNow(c);
      return c.hSet(key, { L: String((await libraryNow(c)) - GARBAGE_TTL_MS), R: String(redis) });
    },
  },
};

/** The zset variants that add a member to the key instead of replacing it. */
const JOINS = new Set(['far-future', 'far-past', 'infinite']);
/** The hash variants that overwrite the key's fields, when it is a hash, instead of replacing it. */
const FIELDS = new Set(['text', 'huge', 'negative', 'future', 'past']);

/** The variants a plan may draw for `role`. */
export function variantsOf(role) {
  const row = KEY_ROLES.find((r) => r.role === role);
  return Object.keys(VARIANTS[row.type] ?? VARIANTS.string);
}

/** A key of `role` in the family's tags, chosen by `pick`; undefined when no sibling exists yet. */
async function target(client, role, pick) {
  const row = KEY_ROLES.find((r) => r.role === role);
  const tags = tagsByFamily(await scanLibraryKeys(client))[row.family];
  if (tags.length === 0) return undefined;
  return keyOf(role, tags[pick % tags.length]);
}

/** Writes garbage `variant` at a key of `role`: what was done, for the record. */
export async function writeGarbage(client, { role, variant, pick }) {
  const key = await target(client, role, pick);
  if (!key) return { skipped: `no ${role} key's family in Redis yet` };
  const type = KEY_ROLES.find((r) => r.role === role).type;
  const write = VARIANTS[type]?.[variant];
  if (!write) return { skipped: `no variant ${variant} for a ${type}` };
  // Hostile scores join the members there, hostile fields replace theirs; any other value replaces the key.
  const joins = (type === 'zset' && JOINS.has(variant)) || (type === 'hash' && FIELDS.has(variant));
  if (!joins || (await client.type(key)) !== type) await client.del(key);
  await write(client, key);
  await client.pExpire(key, GARBAGE_TTL_MS);
  return { key, role, variant };
}

/** Adds `count` members that stopped beating to a fleet membership key. */
export async function addStaleMembers(client, { count, pick, windowMs }) {
  const rows = KEY_ROLES.filter((r) => r.stale);
  const keys = (await scanLibraryKeys(client)).filter((key) => rows.includes(classify(key)?.row));
  if (keys.length === 0) return { skipped: 'no membership key in Redis yet' };
  const key = keys.toSorted(byText)[pick % keys.length];
  const score = classify(key).row.stale(await libraryNow(client), windowMs);
  const members = Array.from({ length: count }, (_, i) => ({ score, value: `sim-stale-${i}` }));
  await client.zAdd(key, members);
  return { key, count };
}

/**
 * Swaps the contents of two entries (keeping each key's TTL): an entry moved to another contact.
 * `kind` 'index' swaps two contact ids' notes (the sets of contact keys `deleteContact` reads),
 * 'token' two tokens; two tokens by default.
 */
export async function swapTokens(client, { pick, kind }) {
  const [role, type] = kind === 'index' ? ['note', 'set'] : ['token', 'string'];
  const keys = [];
  for (const key of (await scanLibraryKeys(client)).toSorted(byText)) {
    if (classify(key)?.row.role === role && (await client.type(key)) === type) keys.push(key);
  }
  if (keys.length < 2) return { skipped: `fewer than two ${kind ?? 'token'} entries` };
  const a = keys[pick % keys.length];
  const b = keys[(pick + 1 + (pick % (keys.length - 1))) % keys.length];
  if (a === b) return { skipped: 'one entry' };
  const read = (key) => (type === 'set' ? client.sMembers(key) : client.get(key));
  const [va, vb, ta, tb] = await Promise.all([read(a), read(b), client.pTTL(a), client.pTTL(b)]);
  if (va === null || vb === null || va.length === 0 || vb.length === 0)
    return { skipped: 'an entry expired meanwhile' };
  const write = async (key, value, ttl) => {
    const px = ttl > 0 ? ttl : GARBAGE_TTL_MS;
    if (type === 'string') await client.set(key, value, { PX: px });
    else await client.multi().del(key).sAdd(key, value).pExpire(key, px).exec();
  };
  await write(a, vb, ta);
  await write(b, va, tb);
  return { keys: [a, b] };
}
