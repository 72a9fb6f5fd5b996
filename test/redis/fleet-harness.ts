import { Test, type TestingModule } from '@nestjs/testing';
import { ContactAuthService, OpenCxModule, type OpenCxModuleOptions } from 'nestjs-opencx';
import { createClient } from 'redis';

/** The most of these times (ms) in any interval `windowMs` long: what an upstream with a rolling window counts. */
export function mostInWindow(times: readonly number[], windowMs: number): number {
  const sorted = times.toSorted((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/** Application instances, each its own registration (its own store and connection), closed together. */
export class Instances {
  private readonly modules: TestingModule[] = [];

  constructor(private readonly base: OpenCxModuleOptions) {}

  async start(options: Partial<OpenCxModuleOptions> = {}): Promise<ContactAuthService> {
    const moduleRef = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ ...this.base, ...options })],
    }).compile();
    moduleRef.useLogger(false);
    this.modules.push(moduleRef);
    return moduleRef.get(ContactAuthService);
  }

  async close(): Promise<void> {
    await Promise.all(this.modules.splice(0).map((moduleRef) => moduleRef.close()));
  }
}

/** Calls each service `count` times at once with new users: how many were served. */
export async function burst(services: ContactAuthService[], count: number, tag: string): Promise<number[]> {
  return Promise.all(
    services.map(async (service, s) => {
      const outcomes = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          service.authenticateUser({ email: `${tag}-${s}-${i}@example.com` }).then(
            () => true,
            () => false,
          ),
        ),
      );
      return outcomes.filter(Boolean).length;
    }),
  );
}

/** The commands clients send a Redis server during `ms` (MONITOR's lines, without those a script runs). */
export async function commandsSent(url: string, ms: number): Promise<string[]> {
  const monitor = createClient({ url });
  await monitor.connect();
  const seen: string[] = [];
  try {
    await monitor.monitor((line: string) => {
      if (!/\[\d+ lua\]/.test(line)) seen.push(line);
    });
    await new Promise((resolve) => setTimeout(resolve, ms));
    return [...seen];
  } finally {
    monitor.destroy();
  }
}

/** Every library key on the server without a TTL (a PTTL of -1). */
export async function keysWithoutTtl(url: string): Promise<string[]> {
  const client = createClient({ url });
  await client.connect();
  try {
    const keys = await client.keys('*');
    const ttls = await Promise.all(keys.map((key) => client.pTTL(key)));
    return keys.filter((_, i) => ttls[i] === -1);
  } finally {
    client.destroy();
  }
}

/**
 * A node-redis client whose server clock reads `offset.ms` off: `TIME` in every script it runs is
 * shifted (a store wrapper standing for a Redis host whose clock stepped). Scripts go by `EVAL`
 * only (an `EVALSHA` is answered NOSCRIPT), so each one carries the offset of the moment.
 */
export async function clockShiftedClient(url: string, offset: { ms: number }) {
  const client = createClient({ url });
  await client.connect();
  const shift = (script: string): string =>
    script.replaceAll(
      "redis.call('TIME')",
      `(function() local t = redis.call('TIME') local us = tonumber(t[1]) * 1000000 + tonumber(t[2]) + ${
        offset.ms * 1000
      } return {tostring(math.floor(us / 1000000)), tostring(us % 1000000)} end)()`,
    );
  return {
    client: {
      eval: (script: string, options: { keys: string[]; arguments: string[] }) => client.eval(shift(script), options),
      evalSha: () => Promise.reject(new Error('NOSCRIPT No matching script. Please use EVAL.')),
      sendCommand: client.sendCommand.bind(client),
    },
    close: () => client.destroy(),
  };
}

/**
 * Waits until the server has run for the store's start hold (4 s with default settings): a server
 * that started since may have lost what the fleet sent, so for that long the store grants nothing.
 */
export async function pastStartHold(url: string, seconds = 4): Promise<void> {
  const client = createClient({ url });
  await client.connect();
  try {
    for (;;) {
      const uptime = Number(/uptime_in_seconds:(\d+)/.exec(await client.info('server'))?.[1]);
      if (uptime >= seconds) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    client.destroy();
  }
}
