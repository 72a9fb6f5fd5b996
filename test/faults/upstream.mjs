// The simulation's own fake OpenCX: it counts every arrival (when, which instance, which API key
// and limit key, which contact), enforces `limit` per window per limit key (fixed windows from its
// start, or rolling), answers 429 beyond it, issues tokens that name their contact and serial, and
// erases contacts (a new token for the same email then belongs to a new contact id).
// Each instance's baseUrl carries its own prefix (/i<slot>.<incarnation>), so arrivals are
// attributed to the instance that sent them without the library's help.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { now } from './clock.mjs';

const AUTHENTICATE = '/widget/authenticate-user';
const CONTACT = /^\/contacts\/([^/]+)$/;
const PREFIX = /^\/(i\d+\.\d+)(\/.*)$/;

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A UUID-shaped id from a hash, stable for the same organisation, email and generation. */
function contactIdOf(org, email, generation) {
  const hex = createHash('sha256').update(`${org}\u0000${email}\u0000${generation}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The serial a token of this fake carries, or undefined for anything else. */
export function tokenSerial(token) {
  try {
    const payload = JSON.parse(Buffer.from(String(token).split('.')[1] ?? '', 'base64url').toString('utf8'));
    return Number.isInteger(payload?.n) ? payload.n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * @param {{ windowMs: number, limit: number, mode: 'fixed' | 'rolling', keys: Record<string, string>, latencyMs?: number }} options
 *   `keys`: every valid API key → its limit key (its own name, or the group it shares); `latencyMs`:
 *   how long a token takes (default 2 to 17 ms, at random).
 */
export async function startUpstream({ windowMs, limit, mode, keys, latencyMs }) {
  const startedAt = now();
  /** Every request, in arrival order. */
  const arrivals = [];
  /** Tokens by serial: { serial, key, email, contactId, generation, issuedAt }. */
  const tokens = new Map();
  /** `${key}\0${email}` → current generation; contact id → { key, email, generation }. */
  const generations = new Map();
  const byId = new Map();
  /** Accepted arrival times per limit key (rolling), or counts per fixed window. */
  const accepted = new Map();
  let serial = 0;

  const admit = (limitKey, t) => {
    const times = accepted.get(limitKey) ?? [];
    accepted.set(limitKey, times);
    if (mode === 'fixed') {
      const start = startedAt + Math.floor((t - startedAt) / windowMs) * windowMs;
      const inWindow = times.filter((at) => at >= start).length;
      if (inWindow >= limit) return start + windowMs - t;
    } else {
      while (times.length > 0 && times[0] <= t - windowMs) times.shift();
      if (times.length >= limit) return times[0] + windowMs - t;
    }
    times.push(t);
    return 0;
  };

  const contact = (key, email) => {
    const id = `${key}\u0000${email}`;
    const generation = generations.get(id) ?? 0;
    generations.set(id, generation);
    const contactId = contactIdOf(key, email, generation);
    byId.set(contactId, { key, email, generation });
    return { contactId, generation };
  };

  const server = createServer((req, res) => {
    const t = now();
    const match = PREFIX.exec(req.url ?? '');
    const arrival = { t, instance: match?.[1], method: req.method, path: match?.[2] ?? req.url, status: 0 };
    arrivals.push(arrival);
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const answer = (status, body, headers = {}) => {
        arrival.status = status;
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
        arrival.answeredAt = now();
      };
      const key = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      arrival.key = key;
      if (!key || !(key in keys)) return answer(401, { statusCode: 401, message: 'Invalid API key' });
      arrival.limitKey = keys[key];
      const deleting = req.method === 'DELETE' && CONTACT.exec(arrival.path);
      let email;
      if (!deleting) {
        try {
          email = String(JSON.parse(Buffer.concat(chunks).toString('utf8')).email)
            .trim()
            .toLowerCase();
        } catch {
          return answer(400, { statusCode: 400, message: 'Bad Request' });
        }
        arrival.email = email;
      } else arrival.contactId = decodeURIComponent(deleting[1]);
      if (req.method === 'POST' ? arrival.path !== AUTHENTICATE : !deleting) {
        return answer(404, { statusCode: 404, message: 'Not Found' });
      }
      const wait = admit(arrival.limitKey, t);
      if (wait > 0) {
        return answer(
          429,
          { statusCode: 429, message: 'ThrottlerException: Too Many Requests' },
          { 'retry-after': String(Math.max(1, Math.ceil(wait / 1000))) },
        );
      }
      if (deleting) {
        const known = byId.get(arrival.contactId);
        const id = known && `${known.key}\u0000${known.email}`;
        if (!known || known.key !== key || generations.get(id) !== known.generation) {
          return answer(404, { statusCode: 404, message: 'Contact not found' });
        }
        generations.set(id, known.generation + 1);
        arrival.erased = { key, email: known.email, generation: known.generation };
        return answer(200, {});
      }
      const { contactId, generation } = contact(key, email);
      const n = ++serial;
      tokens.set(n, { serial: n, key, email, contactId, generation, issuedAt: t });
      arrival.serial = n;
      const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: contactId, n, iat: Math.floor(t / 1000) })}.sim`;
      // A little latency, as a real upstream has: an answer is never instantaneous.
      const latency = latencyMs ?? 2 + Math.floor(Math.random() * 15);
      setTimeout(() => answer(200, { token, contact: { id: contactId } }), latency);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    startedAt,
    arrivals,
    tokens,
    /** The contact the email has now under `key` (the one a delete erases): its id and generation. */
    current: (key, email) => {
      const generation = generations.get(`${key}\u0000${email}`) ?? 0;
      return { contactId: contactIdOf(key, email, generation), generation };
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
