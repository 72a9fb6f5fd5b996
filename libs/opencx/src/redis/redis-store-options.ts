import { OpenCxConfigurationError } from '../errors/opencx.errors.js';
import { integerOption } from '../util/integer-option.js';

/** Options of {@link RedisFleetStore}. Numeric ones also take numeric strings (`"500"`, from the environment). */
export interface RedisFleetStoreOptions {
  /**
   * How long Redis may stay silent, in ms, before the store answers from this process's memory
   * (and tries Redis again a heartbeat later). A busy process waiting on answers Redis already
   * sent is not counted as silence. Default 1000.
   */
  timeout?: number;
  /** Contacts the in-memory fallback keeps while Redis is unavailable. Default 100000. */
  maxEntries?: number;
  /**
   * Ms between two heartbeats of this instance: how it tells the fleet it is there, learns the
   * fleet's size and time, and tries Redis again after an outage. An idle instance sends nothing
   * else. Default 1000.
   */
  heartbeat?: number;
  /** The first part of every key name, so that applications sharing one Redis do not count each other. Default `opencx`. */
  prefix?: string;
}

const DEFAULTS = { timeout: 1_000, maxEntries: 100_000, heartbeat: 1_000, prefix: 'opencx' };

/** The options with their defaults, or an OpenCxConfigurationError naming each one that is wrong. */
export function checked(options: RedisFleetStoreOptions): Required<RedisFleetStoreOptions> {
  const given = Object.fromEntries(Object.entries(options ?? {}).filter(([, value]) => value !== undefined));
  const settings = { ...DEFAULTS, ...given } as Required<RedisFleetStoreOptions>;
  const problems: string[] = [];
  // The module's rule: a numeric string from the environment is its number.
  const integer = (name: 'timeout' | 'maxEntries' | 'heartbeat', min: number, max: number): void => {
    const { value, problem } = integerOption(settings[name], min, max);
    if (problem === undefined) settings[name] = value as number;
    else problems.push(`redis ${name} ${problem}`);
  };
  integer('timeout', 1, 60_000);
  integer('heartbeat', 10, 60_000);
  integer('maxEntries', 1, Number.MAX_SAFE_INTEGER);
  if (typeof settings.prefix !== 'string' || !/^[\w.:-]{1,64}$/.test(settings.prefix))
    problems.push('redis prefix must be 1 to 64 letters, digits or . _ : -');
  if (problems.length > 0) throw new OpenCxConfigurationError(problems);
  return settings;
}
