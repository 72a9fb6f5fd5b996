import type { OpenCxSlotRequest } from '../src/store/opencx-fleet-store.interface.js';
import { EVICT, LOOKUP, STORE, UNLOCK } from '../src/redis/contact.scripts.js';
import { BEAT } from '../src/redis/fleet.scripts.js';
import { CLAIM, PAUSE, PAUSED_FOR, RELEASE, RESERVE } from '../src/redis/limiter.scripts.js';

// A Redis client for the Redis store's specs: what the store asks of Redis, and answers as told.
// The scripts themselves run against a real redis-server in test/redis.

const SCRIPT_NAMES = new Map<string, string>(
  Object.entries({ LOOKUP, STORE, UNLOCK, EVICT, RESERVE, CLAIM, RELEASE, PAUSE, PAUSED_FOR, BEAT }).map(
    ([name, script]) => [script.sha, name],
  ),
);

/** The fleet time the scripted heartbeat reports at monotonic 0. */
export const FLEET = 1_700_000_000_000;
/** The server's clock the scripted heartbeat reports at monotonic 0: 42 s behind fleet time. */
export const SERVER = FLEET - 42_000;

export interface Call {
  script: string;
  keys: string[];
  args: string[];
}

/** A node-redis-shaped client: records every script it is sent, and answers as told (or fails). */
export class ScriptedRedis {
  readonly calls: Call[] = [];
  down = false;
  /** The fleet's size the heartbeat reports, and whether it says the fleet's state was lost. */
  fleet = 1;
  lost = false;
  /** How many other members the heartbeat says have not heard of this instance yet. */
  unaware = 0;
  /** The instances the heartbeat says departed lately. */
  departed: string[] = [];
  answers: Partial<Record<string, unknown>> = {};

  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown> {
    const name = SCRIPT_NAMES.get(sha) ?? 'unknown';
    this.calls.push({ script: name, keys: options.keys, args: options.arguments });
    if (this.down) return Promise.reject(new Error('connection refused'));
    if (name in this.answers) {
      const answer = this.answers[name];
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    }
    const standard: Record<string, unknown> = {
      BEAT: [
        FLEET + Math.round(performance.now()),
        this.fleet,
        this.lost ? 1 : 0,
        SERVER + Math.round(performance.now()),
        FLEET,
        this.unaware,
        this.departed,
      ],
      LOOKUP: [0, '', 1, FLEET + Math.round(performance.now())],
      STORE: 1,
      RESERVE: [1, 0, 0],
      CLAIM: [0, 0],
      RELEASE: [0],
      PAUSED_FOR: 0,
    };
    return Promise.resolve(standard[name] ?? 1);
  }

  eval(): Promise<unknown> {
    return Promise.reject(new Error('the store runs scripts by their SHA-1'));
  }

  sendCommand(): Promise<unknown> {
    return Promise.resolve(undefined);
  }

  named(script: string): Call[] {
    return this.calls.filter((call) => call.script === script);
  }

  last(script: string): Call {
    const call = this.named(script).at(-1);
    if (!call) throw new Error(`${script} was not sent`);
    return call;
  }
}

export const REQUEST: OpenCxSlotRequest = {
  limit: 30,
  localLimit: 30,
  window: 60_000,
  maxWait: 5_000,
  maxTransit: 10_000,
  maxPause: 45_000,
};

/** A booking's member as the store writes it (`instance/id`), without its instance. */
export const unowned = (member: string | undefined): string | undefined =>
  member?.replace(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\//, '');

/** The (member without its instance, offset, kind) triples a limiter script carries after its sixteen fixed arguments. */
export const carried = (call: Call): string[][] => {
  const rest = call.args.slice(16);
  return Array.from({ length: rest.length / 3 }, (_, i) => {
    const [member, offset, kind] = rest.slice(3 * i, 3 * i + 3);
    return [unowned(member)!, offset!, kind!];
  });
};
