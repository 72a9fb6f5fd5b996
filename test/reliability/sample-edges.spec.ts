import { CANARY, startSampleApp, type SampleHarness } from '../support/sample-app.js';
import { reportSection } from './report.js';

const row = reportSection(
  '7-sample-edges',
  'The sample app at the edges',
  'The built sample app in its own process: big mistakes, a load balancer in front, fleet mode with Redis down.',
);

const AUTH = '/v1/contacts/authenticate';

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${url}${AUTH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': CANARY.serviceKey, ...headers },
    body,
  });

describe('the sample app at the edges', () => {
  const apps: SampleHarness[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('answers a 60 KB JSON array with a small 400, not megabytes', async () => {
    const app = await startSampleApp({ BODY_LIMIT: '100kb' });
    apps.push(app);
    const body = JSON.stringify(Array.from({ length: 6_000 }, () => ({ a: 1 })));
    const response = await post(app.url, body);
    const answer = await response.text();
    row({
      case: `a ${Math.round(body.length / 1024)} KB top-level JSON array`,
      promise: 'a small 400 naming the field',
      outcome: `${response.status}, ${answer.length} bytes`,
    });
    expect(response.status).toBe(400);
    expect(answer.length).toBeLessThan(2_048);
    expect(app.fake.requests).toHaveLength(0);
  });

  it('counts failed authentications per client behind a proxy with TRUST_PROXY, locking out only that client', async () => {
    const app = await startSampleApp({ TRUST_PROXY: '1', AUTH_FAILURE_LIMIT: '2' });
    apps.push(app);
    const as = (client: string, key: string) =>
      post(app.url, JSON.stringify({ email: 'x@example.com' }), { 'x-api-key': key, 'x-forwarded-for': client });
    const attacker = [];
    for (let i = 0; i < 4; i++) attacker.push((await as('203.0.113.7', `wrong-key-${i}`)).status);
    const bystander = (await as('198.51.100.9', CANARY.serviceKey)).status;
    row({
      case: 'TRUST_PROXY=1, one client guessing keys',
      promise: 'only that client is locked out',
      outcome: `guesser: ${attacker.join(', ')}; another client: ${bystander}`,
    });
    expect(attacker.at(-1)).toBe(429);
    expect(bystander).toBe(201);
    // No address in clear in what the app logged.
    expect(app.lines.join('\n')).not.toContain('203.0.113.7');
  });

  // With Redis unreachable from the start, an instance cannot know its peers: it sends nothing for
  // one window (a 503 saying when to come back), and readiness stays up, saying the fleet is degraded.
  it('starts in fleet mode with Redis down, holds its sends one window, and says so in readiness', async () => {
    const started = performance.now();
    const app = await startSampleApp({
      REDIS_URL: 'redis://127.0.0.1:1',
      OPENCX_CACHE_TTL_MS: '',
      OPENCX_RATE_LIMIT: '',
    });
    apps.push(app);
    const startup = performance.now() - started;
    const served = await post(app.url, JSON.stringify({ email: 'no-redis@example.com' }));
    const ready = await fetch(`${app.url}/health/ready`);
    const details = ((await ready.json()) as { details: Record<string, Record<string, string>> }).details;
    row({
      case: 'REDIS_URL pointing at nothing',
      promise: 'starts, asks to come back within a window, readiness says degraded',
      outcome: `started in ${Math.round(startup)} ms, answered ${served.status} (Retry-After ${served.headers.get('retry-after')}), readiness ${ready.status} (fleet ${details.opencx?.fleet}, throttler ${details.throttler?.storage})`,
    });
    expect(served.status).toBe(503);
    const retryAfter = Number(served.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(61);
    expect(app.fake.requests).toHaveLength(0);
    expect(ready.status).toBe(200);
    expect(details.opencx?.fleet).toBe('degraded');
    expect(details.throttler?.storage).toBe('degraded');
  }, 30_000);
});
