// The fleet quota measure, shared by the Redis suite (scaled down) and the benchmark (full size):
// `instances` registrations of OpenCxModule (one per app instance; sharing one Redis when `redis`
// is given), a fake OpenCX that refuses with 429 past `perWindow` calls per window, and a burst of
// `users` distinct users spread over the instances, all at once.
import { Test } from '@nestjs/testing';
import { ContactAuthService, OpenCxClientRateLimitError, OpenCxModule } from 'nestjs-opencx';
import { createOpenCxFakeServer } from 'nestjs-opencx/testing';

const KEY = 'sk_quota_run_key';

const percentile = (sorted, p) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

/**
 * @param {import('./quota-run.d.mts').QuotaRun} run
 */
export async function runQuota(run) {
  const fake = await createOpenCxFakeServer({
    apiKey: KEY,
    rateLimitPerMinute: run.perWindow,
    rateLimitWindowMs: run.windowMs,
    rateLimitWindow: run.upstreamWindow,
  });
  const modules = [];
  try {
    for (let i = 0; i < run.instances; i++) {
      const moduleRef = await Test.createTestingModule({
        imports: [
          OpenCxModule.forRoot({
            apiKey: KEY,
            baseUrl: fake.url,
            cache: false,
            maxRetries: 0,
            totalTimeout: run.maxWait + 2 * run.windowMs,
            rateLimit: { perMinute: run.perWindow, window: run.windowMs, maxWait: run.maxWait, maxQueue: run.users },
            ...(run.redis ? { redis: run.redis } : {}),
          }),
        ],
      }).compile();
      moduleRef.useLogger(false);
      modules.push(moduleRef);
    }
    const services = modules.map((moduleRef) => moduleRef.get(ContactAuthService));
    const started = Date.now();
    const all = services.map((_, n) => n);
    // `on`: the instances a burst is spread over (every one by default).
    const call = async (i, on = all) => {
      const instance = on[i % on.length];
      const callStarted = Date.now();
      const timing = () => ({ instance, startedMs: callStarted - started, endedMs: Date.now() - started });
      try {
        await services[instance].authenticateUser({ email: `quota-user-${i}@example.com` });
        return { served: true, waitMs: Date.now() - callStarted, ...timing() };
      } catch (error) {
        return {
          served: false,
          waitMs: Date.now() - callStarted,
          limited: error instanceof OpenCxClientRateLimitError,
          errorClass: error?.constructor?.name ?? typeof error,
          ...timing(),
        };
      }
    };
    const calls = Array.from({ length: run.users }, (_, i) => call(i, run.on));
    // Faults mid-run (Redis killed, frozen, restarted) and waves of new users after them.
    let next = run.users;
    const eventsDoneMs = await Promise.all(
      (run.events ?? []).map(async (event) => {
        await new Promise((resolve) => setTimeout(resolve, event.ms));
        await event.act?.();
        const doneMs = Date.now() - started;
        for (let k = 0; k < (event.users ?? 0); k++) calls.push(call(next++, event.on));
        return doneMs;
      }),
    );
    const outcomes = await Promise.all(calls);
    const arrivals = fake
      .authenticateRequests()
      .map((request) => request.receivedAt)
      .toSorted((a, b) => a - b);
    const first = arrivals[0] ?? started;
    // Windows counted from the first arrival; "full" ones are those that closed while calls still waited.
    const served = outcomes.filter((o) => o.served).length;
    const fullWindows = Math.max(1, Math.floor(served / run.perWindow));
    const perWindow = Array.from(
      { length: fullWindows },
      (_, k) => arrivals.filter((t) => t >= first + k * run.windowMs && t < first + (k + 1) * run.windowMs).length,
    );
    // The most arrivals in any window-long interval: what an upstream with a rolling window counts.
    let mostInWindow = 0;
    for (let i = 0, j = 0; i < arrivals.length; i++) {
      while (arrivals[i] - arrivals[j] >= run.windowMs) j++;
      mostInWindow = Math.max(mostInWindow, i - j + 1);
    }
    const waits = outcomes
      .filter((o) => o.served)
      .map((o) => o.waitMs)
      .toSorted((a, b) => a - b);
    // Calls whose slot lay beyond maxWait cannot be served; any other failure is one too many.
    const servable = run.perWindow * (1 + Math.floor(run.maxWait / run.windowMs));
    return {
      sent: arrivals.length,
      upstream429: fake.statusCounts[429] ?? 0,
      served,
      limited: outcomes.filter((o) => o.limited).length,
      otherErrors: outcomes.filter((o) => !o.served && !o.limited).length,
      otherErrorClasses: [...new Set(outcomes.filter((o) => !o.served && !o.limited).map((o) => o.errorClass))],
      servedBelowServable: Math.max(0, Math.min(next, servable) - served),
      quotaUse: perWindow.map((count) => count / run.perWindow),
      mostInWindow,
      p50WaitMs: percentile(waits, 0.5),
      p99WaitMs: percentile(waits, 0.99),
      calls: outcomes,
      arrivalsMs: arrivals.map((t) => t - started),
      eventsDoneMs,
    };
  } finally {
    await Promise.all(modules.map((moduleRef) => moduleRef.close()));
    await fake.close();
  }
}
