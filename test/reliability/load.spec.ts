import { readdirSync, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Test } from '@nestjs/testing';
import { Agent } from 'undici';
import { ContactAuthService, OpenCxError, OpenCxModule } from 'nestjs-opencx';
import { createOpenCxFakeServer } from 'nestjs-opencx/testing';
import { CANARY, startSampleApp } from '../support/sample-app.js';
import { ReliabilityReport } from './report.js';

const report = new ReliabilityReport('3-load');
afterAll(() => report.write());

const TOTAL = 5_000;
const CONCURRENCY = 100;
const FAILURE_RATE = 0.2;
// The library's default totalTimeout (30 s) and a margin: no call outlives it, so a request still
// open then has hung. (On a loaded CI machine, one request in 5,000 has taken more than 10 s.)
const DEADLINE_MS = 35_000;
const DOCUMENTED = new Set([201, 502, 503, 504]);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const openFds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `total` tasks with at most `concurrency` in flight; a bounded loop that stops by itself. */
async function pool(total: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

async function settle(read: () => number, target: number, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  let value = read();
  while (value > target && Date.now() < until) {
    await sleep(250);
    value = read();
  }
  return value;
}

describe('bounded load', () => {
  const row = report.section(
    'Load',
    `${TOTAL} requests at concurrency ${CONCURRENCY}, loopback only, with ${FAILURE_RATE * 100}% of upstream calls ` +
      `failing (503). Every request must end with a documented status within ${DEADLINE_MS} ms, and open sockets and ` +
      'memory must return to their baseline afterwards.',
  );

  it('through the sample app: every request ends with a documented status, and sockets return to baseline', async () => {
    const h = await startSampleApp();
    const client = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 1_000 });
    try {
      const baselineFds = openFds(h.pid);
      h.fake.setFailureRate(FAILURE_RATE, 503);
      const counts = new Map<string, number>();
      let slowest = 0;
      const started = Date.now();
      await pool(TOTAL, CONCURRENCY, async (i) => {
        const t0 = Date.now();
        let outcome: string;
        try {
          const response = await fetch(`${h.url}/v1/contacts/authenticate`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': CANARY.serviceKey },
            body: JSON.stringify({ email: `load-${i % 500}@example.com`, phone: CANARY.phone }),
            signal: AbortSignal.timeout(DEADLINE_MS),
            // @ts-expect-error undici's dispatcher option is not in the DOM fetch types
            dispatcher: client,
          });
          await response.arrayBuffer();
          outcome = String(response.status);
        } catch (error) {
          outcome = (error as Error).name === 'TimeoutError' ? 'hung' : 'client error';
        }
        slowest = Math.max(slowest, Date.now() - t0);
        counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
      });
      const elapsed = Date.now() - started;
      const afterLoadFds = openFds(h.pid);
      const rssAfterLoad = rssMb(h.pid);
      await client.close();
      h.fake.setFailureRate(0);
      // Idle keep-alive sockets close after the app's (5 s) and the fake's (5 s) timeouts.
      const settledFds = await settle(() => openFds(h.pid), baselineFds + 2, 12_000);

      const summary = [...counts].map(([k, v]) => `${k} × ${v}`).join(', ');
      row({
        run: 'sample app over HTTP',
        requests: TOTAL,
        outcomes: summary,
        'slowest (ms)': slowest,
        'total (ms)': elapsed,
        'open fds: baseline → after load → settled': `${baselineFds} → ${afterLoadFds} → ${settledFds}`,
        'app RSS after load (MB)': Math.round(rssAfterLoad),
      });
      expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(TOTAL);
      for (const outcome of counts.keys()) expect(DOCUMENTED.has(Number(outcome))).toBe(true);
      expect(counts.get('201') ?? 0).toBeGreaterThan(TOTAL * 0.95);
      expect(slowest).toBeLessThan(DEADLINE_MS);
      expect(settledFds).toBeLessThanOrEqual(baselineFds + 2);
      expect(h.lines.join('\n')).not.toMatch(/Unhandled|uncaught/i);
      // A hundred calls in flight is ordinary load, not a "possible memory leak" worth a warning.
      expect(h.lines.join('\n')).not.toContain('MaxListenersExceededWarning');
      expect(h.lines.join('\n')).not.toContain(CANARY.phone);
    } finally {
      await h.close();
    }
  }, 120_000);

  it('in process: no unhandled rejection, and the heap returns to baseline', async () => {
    const fake = await createOpenCxFakeServer({ apiKey: CANARY.orgApiKey, keepAliveTimeout: 1_000 });
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({
          apiKey: CANARY.orgApiKey,
          baseUrl: fake.url,
          retryDelay: 5,
          maxRetryDelay: 20,
          cache: false,
          rateLimit: false,
        }),
      ],
    }).compile();
    moduleRef.useLogger(false);
    const service = moduleRef.get(ContactAuthService);
    let unhandled = 0;
    const onUnhandled = () => void unhandled++;
    process.on('unhandledRejection', onUnhandled);
    try {
      const run = async () => {
        const outcomes = { ok: 0, typed: 0, other: 0 };
        await pool(TOTAL, CONCURRENCY, async (i) => {
          try {
            await service.authenticateUser({ email: `heap-${i % 500}@example.com` });
            outcomes.ok++;
          } catch (error) {
            if (error instanceof OpenCxError) outcomes.typed++;
            else outcomes.other++;
          }
        });
        return outcomes;
      };
      fake.setFailureRate(FAILURE_RATE, 503);
      await run();
      gc();
      const baseline = process.memoryUsage().heapUsed;
      const outcomes = await run();
      await sleep(100);
      gc();
      const after = process.memoryUsage().heapUsed;
      const growthMb = (after - baseline) / 1024 / 1024;
      row({
        run: 'ContactAuthService in process (second round vs first)',
        requests: TOTAL,
        outcomes: `success × ${outcomes.ok}, typed error × ${outcomes.typed}, other × ${outcomes.other}`,
        'slowest (ms)': '-',
        'total (ms)': '-',
        'open fds: baseline → after load → settled': '-',
        'app RSS after load (MB)': `heap growth ${growthMb.toFixed(2)} MB`,
      });
      expect(outcomes.other).toBe(0);
      expect(outcomes.ok + outcomes.typed).toBe(TOTAL);
      expect(unhandled).toBe(0);
      expect(growthMb).toBeLessThan(8);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await moduleRef.close();
      await fake.close();
    }
  }, 120_000);
});
