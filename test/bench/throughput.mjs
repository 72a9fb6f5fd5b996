// Measures 5, 6 and 7: never slower than by hand (authenticateUser against HttpService.post plus
// class-validator written by hand, same upstream, rounds interleaved); latency-bound (256 calls
// in flight against an upstream that answers after 50 ms, against Little's law's bound); memory
// (heap growth over many calls).
import { HttpModule, HttpService } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { AuthenticateUserDto, ContactAuthService, OpenCxModule } from 'nestjs-opencx';
import { firstValueFrom } from 'rxjs';
import { fmt, gc, inRounds, medianRatio, row, scale, startChild, QUICK } from './lib.mjs';

const OPTIONS = { apiKey: 'bench-key', cache: false, rateLimit: false };

/** Calls per second of `calls` calls, `concurrency` at a time, each a new user. */
async function rate(calls, concurrency, call) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) await call(next++);
    }),
  );
  return calls / ((performance.now() - started) / 1000);
}

/** What a user writes without the library: validate with class-validator, post with HttpService. */
function byHand(http, url) {
  return async (i) => {
    const dto = plainToInstance(AuthenticateUserDto, { email: `hand-${i}@example.com`, name: 'Bench User' });
    const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length > 0) throw new Error('invalid');
    const { data } = await firstValueFrom(http.post(url, dto, { headers: { authorization: 'Bearer bench-key' } }));
    return data.token;
  };
}

export async function throughput() {
  const upstream = await startChild('upstream.mjs');
  const slow = await startChild('upstream.mjs', { DELAY_MS: '50' });
  // oxlint-disable-next-line typescript/no-extraneous-class
  class HandModule {}
  Module({ imports: [HttpModule.register({})] })(HandModule);
  const [opencx, hand, bounded, untraced] = await Promise.all([
    NestFactory.createApplicationContext(OpenCxModule.forRoot({ ...OPTIONS, baseUrl: upstream.url }), {
      logger: false,
      abortOnError: false,
    }),
    NestFactory.createApplicationContext(HandModule, { logger: false, abortOnError: false }),
    NestFactory.createApplicationContext(OpenCxModule.forRoot({ ...OPTIONS, baseUrl: slow.url }), {
      logger: false,
      abortOnError: false,
    }),
    NestFactory.createApplicationContext(
      OpenCxModule.forRoot({ ...OPTIONS, baseUrl: upstream.url, telemetry: false }),
      { logger: false, abortOnError: false },
    ),
  ]);
  const service = opencx.get(ContactAuthService);
  const handCall = byHand(hand.get(HttpService), `${upstream.url}/widget/authenticate-user`);
  const rows = [];
  try {
    const calls = scale(20_000);
    let round = 0;
    const values = await inRounds({
      library: () =>
        rate(calls, 64, (i) =>
          service.authenticateUser({ email: `lib-${round++}-${i}@example.com`, name: 'Bench User' }),
        ),
      'by hand': () => rate(calls, 64, handCall),
    });
    const ratio = medianRatio(values, 'library', 'by hand');
    const worst = Math.min(...values.library.map((value, i) => value / values['by hand'][i]));
    rows.push(
      row(
        '5. throughput: authenticateUser / HttpService.post + class-validator, worst round',
        `${fmt(worst, 2)}×`,
        '≥ 1.0×',
        worst >= 1,
        `cache and limiter off, 64 in flight, new users; median of rounds ${fmt(ratio, 2)}×`,
      ),
    );

    // @opentelemetry/api is installed here and no SDK is registered: the no-op tracer and meter.
    const untracedService = untraced.get(ContactAuthService);
    const traced = await inRounds({
      'telemetry on': () =>
        rate(calls, 64, (i) => service.authenticateUser({ email: `otel-${round++}-${i}@example.com` })),
      'telemetry off': () =>
        rate(calls, 64, (i) => untracedService.authenticateUser({ email: `plain-${round++}-${i}@example.com` })),
    });
    const tracedRatio = medianRatio(traced, 'telemetry on', 'telemetry off');
    rows.push(
      row(
        '5b. OpenTelemetry without an SDK: telemetry on / off',
        `${fmt(tracedRatio, 2)}×`,
        '≥ 0.9×',
        tracedRatio >= 0.9,
        '@opentelemetry/api installed, no SDK registered; cache and limiter off, 64 in flight',
      ),
    );

    const inFlight = 256;
    const boundedService = bounded.get(ContactAuthService);
    const achieved = await rate(scale(20_000), inFlight, (i) =>
      boundedService.authenticateUser({ email: `slow-${i}@example.com` }),
    );
    const bound = inFlight / 0.05;
    rows.push(
      row(
        "6. latency-bound: throughput / Little's law bound",
        `${fmt(achieved / bound, 2)}`,
        '≥ 0.9',
        achieved / bound >= 0.9,
        `${fmt(achieved)} calls/s of ${fmt(bound)} possible (256 in flight, 50 ms)`,
      ),
    );

    const total = scale(200_000);
    let done = 0;
    await rate(total / 10, 64, (i) => service.authenticateUser({ email: `mem-${i}@example.com` }));
    gc();
    const early = process.memoryUsage().heapUsed;
    done = total / 10;
    await rate(total - done, 64, (i) => service.authenticateUser({ email: `mem-${done + i}@example.com` }));
    gc();
    const growth = (process.memoryUsage().heapUsed - early) / 1_048_576;
    rows.push(
      row(
        '7. memory: heap growth over the calls',
        `${fmt(growth, 1)} MB`,
        '< 20 MB',
        growth < 20,
        `${fmt(total)} calls${QUICK ? ' (quick mode)' : ''}, heap after GC`,
      ),
    );
  } finally {
    await Promise.all([opencx.close(), hand.close(), bounded.close(), untraced.close()]);
    upstream.child.kill();
    slow.child.kill();
  }
  return rows;
}
