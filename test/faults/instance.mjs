// One simulated application instance (a child process with IPC): a Nest application context with
// one or more OpenCxModule registrations of the built package, sharing one Redis, driven by the
// harness's messages. Only the package's public API is used.
import { NestFactory } from '@nestjs/core';
import { OpenCxClientRateLimitError, OpenCxError, OpenCxModule, getContactAuthToken } from 'nestjs-opencx';
import { RedisFleetStore } from 'nestjs-opencx/redis';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { now, sleep } from './clock.mjs';
import { wrapIoRedis, wrapNodeRedis } from './redis-wrapper.mjs';

const send = (message) => process.connected && process.send(message);

// The harness is this process's only reason to live: without it, stop (no orphans).
process.on('disconnect', () => process.exit(0));

/** Times the event loop did not turn for a while (a freeze, a block, a busy machine): [from, to]. */
function watchLag() {
  const every = 20;
  let last = now();
  setInterval(() => {
    const t = now();
    if (t - last > every + 30) send({ type: 'lag', from: last + every, to: t });
    last = t;
  }, every).unref();
}

/**
 * Waits for a client's first connection, a second at most: an application whose Redis is down
 * starts all the same (the client goes on connecting, the store works in memory meanwhile).
 */
const connected = (connecting) => Promise.race([connecting.catch(() => undefined), sleep(1_000)]);

/**
 * This instance's fleet store, one per process (every registration shares it, as an application
 * would): on a URL (the store opens its own connection), or on a connected client, wrapped
 * (Redis's clock, counts). The store's heartbeat and timeout are scaled with the window.
 */
async function fleetStore(config) {
  const settings = { timeout: config.options.redisTimeout, heartbeat: config.heartbeat };
  if (config.redisVia === 'url') {
    const store = await RedisFleetStore.connect(config.redisUrl, settings);
    return { store, commands: () => undefined, close: () => undefined };
  }
  if (config.redisVia === 'ioredis') {
    const raw = new Redis(config.redisUrl, {
      connectionName: config.name,
      enableOfflineQueue: config.offlineQueue,
      connectTimeout: 1_000,
      retryStrategy: (times) => Math.min(50 * 2 ** times, 500),
      lazyConnect: true,
    });
    raw.on('error', () => undefined);
    await connected(raw.connect());
    const { client, commands } = wrapIoRedis(raw);
    return { store: new RedisFleetStore(client, settings), commands, close: () => raw.disconnect() };
  }
  const raw = createClient({
    url: config.redisUrl,
    // Named, so the harness's command count (MONITOR, CLIENT LIST) knows whose commands it saw.
    name: config.name,
    disableOfflineQueue: !config.offlineQueue,
    socket: { connectTimeout: 1_000, reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 500) },
  });
  raw.on('error', () => undefined);
  await connected(raw.connect());
  const { client, commands } = wrapNodeRedis(raw);
  return { store: new RedisFleetStore(client, settings), commands, close: () => raw.destroy() };
}

function outcome(error) {
  return {
    ok: false,
    errorClass: error?.constructor?.name ?? typeof error,
    typed: error instanceof OpenCxError,
    reason: error instanceof OpenCxClientRateLimitError ? error.reason : undefined,
    status: error instanceof OpenCxError ? error.getStatus() : undefined,
  };
}

async function start(config) {
  const redis = await fleetStore(config);
  // The store's own timeout is the plan's redisTimeout; the module's would only build a store.
  const { redisTimeout: _storeTimeout, ...moduleOptions } = config.options;
  const imports = config.registrations.map((registration) =>
    OpenCxModule.forRoot({
      ...(registration.name ? { name: registration.name } : {}),
      apiKey: registration.key,
      baseUrl: config.baseUrl,
      store: redis.store,
      telemetry: false,
      ...moduleOptions,
      rateLimit: { ...moduleOptions.rateLimit, ...(registration.group ? { group: registration.group } : {}) },
    }),
  );
  // oxlint-disable-next-line typescript/no-extraneous-class
  class FaultSimInstance {}
  const app = await NestFactory.createApplicationContext(
    { module: FaultSimInstance, imports },
    { logger: ['error', 'warn', 'log'], abortOnError: false },
  );
  const services = new Map(config.registrations.map((r) => [r.name ?? '', app.get(getContactAuthToken(r.name))]));
  // Started means joined the fleet (its first heartbeat answered), when Redis answers: a fleet
  // "started with Redis up" has met. One that cannot reach Redis starts without, and says so.
  const joinBy = now() + config.options.redisTimeout + 2 * config.heartbeat + 1_000;
  while (redis.store.degraded && now() < joinBy) await sleep(10);
  const joined = !redis.store.degraded;

  const run = async (message) => {
    const service = services.get(message.reg ?? '');
    const startedAt = now();
    let result;
    try {
      if (message.op === 'auth') {
        const options = {
          ...(message.apiKey ? { apiKey: message.apiKey } : {}),
          ...(message.totalTimeout ? { totalTimeout: message.totalTimeout } : {}),
        };
        const answer = await service.authenticateUser({ email: message.email }, options);
        result = { ok: true, token: answer.token, contactId: answer.contact?.id };
      } else if (message.op === 'delete') {
        await service.deleteContact(message.contactId, message.apiKey ? { apiKey: message.apiKey } : {});
        result = { ok: true };
      } else {
        await service.evictContact(message.email, message.apiKey ? { apiKey: message.apiKey } : {});
        result = { ok: true };
      }
    } catch (error) {
      result = outcome(error);
    }
    send({ type: 'result', id: message.id, startedAt, endedAt: now(), ...result });
  };

  const handler = (message) => {
    if (message.op === 'block') {
      const until = now() + message.ms;
      while (now() < until) {
        // the event loop is blocked on purpose: a long synchronous task in the application
      }
    } else if (message.op === 'stats') {
      send({ type: 'stats', id: message.id, commands: redis.commands() });
    } else if (message.op === 'close') {
      void app
        .close()
        .catch(() => undefined)
        .finally(() => {
          redis.close();
          send({ type: 'closed' });
          process.exit(0);
        });
    } else {
      void run(message);
    }
  };
  return { handler, joined };
}

watchLag();
// Messages that come while the application starts wait for it.
const early = [];
let handle = (message) => early.push(message);
process.on('message', (message) => {
  if (message.op !== 'init') {
    handle(message);
    return;
  }
  start(message.config).then(
    ({ handler, joined }) => {
      handle = handler;
      for (const queued of early.splice(0)) handler(queued);
      send({ type: 'ready', pid: process.pid, joined });
    },
    (error) => {
      send({ type: 'failed', error: error?.constructor?.name ?? String(error) });
      process.exit(1);
    },
  );
});
