import { Test } from '@nestjs/testing';
import * as fc from 'fast-check';
import { OpenCxConfigurationError } from './errors/opencx.errors.js';
import { OpenCxModule } from './opencx.module.js';
import { logged } from '../test/logged.js';

// Whatever `forRoot` or `forRootAsync` is given (getters that change or throw, proxies whose traps
// throw, frozen objects, null, the wrong types), start-up either succeeds or fails with an
// OpenCxConfigurationError of bounded size, and the API key never appears in an error or a log line.

const OPTION_NAMES = [
  'apiKey',
  'baseUrl',
  'timeout',
  'totalTimeout',
  'maxRetries',
  'retryDelay',
  'maxRetryDelay',
  'maxRetryAfter',
  'maxResponseBytes',
  'cache',
  'rateLimit',
  'redis',
  'store',
  'redisTimeout',
  'healthCheckInterval',
  'onAttempt',
  'telemetry',
  'retryPostAfterTimeout',
] as const;
const SECTION_NAMES = ['ttl', 'skew', 'maxEntries', 'perMinute', 'maxWait', 'maxQueue', 'instances', 'window', 'group'];
const MAX_MESSAGE = 4_000;

/** A value an option may be given: right, wrong, or the secret itself in some form. */
const valueOf = (secret: string): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom(undefined, null, true, false, 0, -1, 1, 1.5, 2_000, Number.NaN, Number.POSITIVE_INFINITY, 1e13),
    fc.constantFrom('', '2000', ' 2000 ', '1e9x', 'http://127.0.0.1:9', 'redis://', 'not a url', 'use'),
    fc.constantFrom(secret, `${secret} `, `http://${secret}@127.0.0.1`, `redis://${secret}`, secret.toUpperCase()),
    fc.integer({ min: -10, max: 100_000 }),
    fc.string({ maxLength: 12 }),
    fc.constant(() => secret),
    fc.array(fc.integer(), { maxLength: 3 }),
  );

type Property = { kind: 'plain' | 'getter' | 'changing' | 'throwing'; value: unknown; later: unknown };

/** How a property is defined: as data, a getter, a getter that changes after its first read, or one that throws. */
const propertyOf = (secret: string): fc.Arbitrary<Property> =>
  fc.record({
    kind: fc.constantFrom('plain', 'plain', 'getter', 'changing', 'throwing'),
    value: valueOf(secret),
    later: valueOf(secret),
  });

/** An object with these properties, each defined as its `kind` says. */
function build(properties: Array<[string, Property]>, secret: string): Record<string, unknown> {
  const target: Record<string, unknown> = {};
  for (const [name, { kind, value, later }] of properties) {
    // The first definition of a name wins, as in an object literal read top to bottom.
    if (Object.hasOwn(target, name)) continue;
    let reads = 0;
    const get = {
      plain: undefined,
      getter: () => value,
      changing: () => (reads++ === 0 ? value : later),
      throwing: () => {
        throw new Error(`getter of ${name} threw with ${secret}`);
      },
    }[kind];
    Object.defineProperty(target, name, get ? { get, enumerable: true } : { value, enumerable: true, writable: true });
  }
  return target;
}

/** Wraps an options object: as is, frozen, behind a proxy (faithful or throwing), or replaced by null or a primitive. */
type Wrapping = 'as-is' | 'frozen' | 'proxy' | 'throwing-proxy' | 'null' | 'string' | 'array';
function wrap(options: Record<string, unknown>, how: Wrapping, secret: string): unknown {
  const fail = (): never => {
    throw new TypeError(`trap threw with ${secret}`);
  };
  switch (how) {
    case 'as-is':
      return options;
    case 'frozen':
      return Object.freeze(options);
    case 'proxy':
      return new Proxy(options, {});
    case 'throwing-proxy':
      return new Proxy(options, { ownKeys: fail, get: fail, getOwnPropertyDescriptor: fail, has: fail });
    case 'null':
      return null;
    case 'string':
      return secret;
    case 'array':
      return [options];
    default:
      return options;
  }
}

const scenario = fc
  .tuple(
    fc.stringMatching(/^sk_[A-Za-z0-9]{16,24}$/),
    fc.constantFrom<Wrapping>('as-is', 'as-is', 'frozen', 'proxy', 'throwing-proxy', 'null', 'string', 'array'),
    fc.boolean(),
  )
  .chain(([secret, wrapping, async]) =>
    fc.record({
      secret: fc.constant(secret),
      wrapping: fc.constant(wrapping),
      async: fc.constant(async),
      // The key is the secret as first read (a getter may then change, or throw instead).
      apiKey: propertyOf(secret).map((p) => ({ ...p, value: secret })),
      options: fc.array(fc.tuple(fc.constantFrom(...OPTION_NAMES, secret, 'apikey'), propertyOf(secret)), {
        maxLength: 6,
      }),
      sections: fc.array(fc.tuple(fc.constantFrom(...SECTION_NAMES, secret), propertyOf(secret)), { maxLength: 4 }),
      sectionName: fc.constantFrom('cache', 'rateLimit'),
    }),
  );

describe('forRoot and forRootAsync options, fuzzed', () => {
  it('start up, or fail with a bounded OpenCxConfigurationError, never showing the key', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ secret, wrapping, async, apiKey, options, sections, sectionName }) => {
        // Never a real Redis: a redis URL the rules take would be connected to.
        const named = options.filter(([name]) => name !== 'redis' && name !== 'store');
        const section = build(sections, secret);
        const fields: Array<[string, Property]> = [
          ['apiKey', apiKey],
          ...named,
          [sectionName, { kind: 'plain', value: section, later: section }],
        ];
        const given = wrap(build(fields, secret), wrapping, secret);
        let failure: unknown;
        const lines = await logged(async () => {
          try {
            const registration = async
              ? OpenCxModule.forRootAsync({ useFactory: () => given as never })
              : OpenCxModule.forRoot(given as never);
            const moduleRef = await Test.createTestingModule({ imports: [registration] }).compile();
            await moduleRef.close();
          } catch (error) {
            failure = error;
          }
        });
        // Nothing, or a bounded OpenCxConfigurationError without the key in its message or stack.
        const error = failure as Error | undefined;
        expect(failure === undefined || failure instanceof OpenCxConfigurationError).toBe(true);
        expect(error?.message.length ?? 0).toBeLessThanOrEqual(MAX_MESSAGE);
        expect(`${error?.message} ${error?.stack}`).not.toContain(secret);
        expect(JSON.stringify(lines)).not.toContain(secret);
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
