import { request } from 'node:http';
import { createOpenCxFakeServer } from './fake-server.js';
import type { OpenCxFakeServer } from './fake-server.interface.js';

const KEY = 'sk_fake_key';

/** A raw request: `fetch` would normalise the path, and a malformed one is the point here. */
function raw(server: OpenCxFakeServer, method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, method, path, headers: { authorization: `Bearer ${KEY}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('createOpenCxFakeServer against hostile requests', () => {
  let server: OpenCxFakeServer;
  beforeEach(async () => {
    server = await createOpenCxFakeServer({ apiKey: KEY });
  }, 30_000);
  afterEach(() => server?.close());

  it.each(['DELETE', 'PATCH'])(
    'answers %s with a malformed escape in the contact id 400, and keeps serving',
    async (method) => {
      expect(await raw(server, method, '/contacts/%E0%A4%A', '{"contact":{"name":"x"}}')).toBe(400);
      expect(await raw(server, 'POST', '/widget/authenticate-user', '{"email":"a@example.com"}')).toBe(200);
    },
  );

  it('keeps every request but at most 8 MiB of their bodies: 100 bodies of 1 MB', async () => {
    const body = JSON.stringify({ email: 'big@example.com', name: 'x'.repeat(999_960) });
    expect(Buffer.byteLength(body)).toBeGreaterThan(999_990);
    for (let i = 0; i < 100; i++) {
      expect(await raw(server, 'POST', '/widget/authenticate-user', body)).toBe(200);
    }
    expect(server.requests).toHaveLength(100);
    const kept = server.requests.filter((r) => r.bodyKept);
    const keptBytes = server.requests.reduce((sum, r) => sum + Buffer.byteLength(r.rawBody), 0);
    expect(keptBytes).toBeLessThanOrEqual(8 * 1_048_576);
    // The newest bodies are the ones kept, whole; the others are let go, their size remembered.
    expect(kept.length).toBe(8);
    expect(server.requests.slice(-8).every((r) => r.bodyKept && r.rawBody === body)).toBe(true);
    expect(server.requests[0]).toMatchObject({ rawBody: '', body: undefined, bodyKept: false });
    expect(server.requests[0]!.bodyBytes).toBe(Buffer.byteLength(body));
  }, 60_000);

  it('takes a smaller bound for the recorded bodies, down to none', async () => {
    const none = await createOpenCxFakeServer({ apiKey: KEY, maxRecordedBodyBytes: 0 });
    try {
      expect(await raw(none, 'POST', '/widget/authenticate-user', '{"email":"a@example.com"}')).toBe(200);
      expect(none.requests[0]).toMatchObject({ rawBody: '', bodyKept: false, bodyBytes: 25 });
      // The answer is made from the body as received, whatever the record keeps.
      expect(none.contacts()).toHaveLength(1);
    } finally {
      await none.close();
    }
  });

  it('goes on serving when its onRequest listener throws', async () => {
    const events: string[] = [];
    const noisy = await createOpenCxFakeServer({
      apiKey: KEY,
      onRequest: (event) => {
        events.push(`${event.method} ${event.status}`);
        throw new Error('listener fault');
      },
    });
    try {
      expect(await raw(noisy, 'GET', '/contacts')).toBe(200);
      expect(await raw(noisy, 'GET', '/contacts')).toBe(200);
      await new Promise((resolve) => setImmediate(resolve));
      expect(events).toEqual(['GET 200', 'GET 200']);
    } finally {
      await noisy.close();
    }
  });
});
