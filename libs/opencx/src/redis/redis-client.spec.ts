import { OpenCxConfigurationError } from '../errors/opencx.errors.js';
import { isDataError, redisClientKind, redisScript, scriptRunner, type OpenCxRedisClient } from './redis-client.js';

const SCRIPT = redisScript('return 1');
const noScript = () => Promise.reject(new Error('NOSCRIPT No matching script. Please use EVAL.'));

describe('redisScript', () => {
  it('knows a script by its SHA-1, as the server does', () => {
    expect(SCRIPT.sha).toBe('e0e1f9fabfc9d4800c877a703b823ac0578ff8db');
  });
});

describe('scriptRunner', () => {
  it('runs a script on node-redis by its SHA-1, with the keys and the arguments as text', async () => {
    const calls: unknown[][] = [];
    const client = {
      eval: (...args: unknown[]) => Promise.resolve(calls.push(['eval', ...args])),
      evalSha: (...args: unknown[]) => Promise.resolve(calls.push(['evalSha', ...args])),
      sendCommand: () => Promise.resolve(undefined),
    };
    await scriptRunner(client)(SCRIPT, ['k1', 'k2'], [1, 'a']);
    expect(calls).toEqual([['evalSha', SCRIPT.sha, { keys: ['k1', 'k2'], arguments: ['1', 'a'] }]]);
  });

  it('loads the script with EVAL when the server answers NOSCRIPT (a new server, node or restart), and only then', async () => {
    const calls: string[] = [];
    let loaded = false;
    const client = {
      eval: () => {
        calls.push('eval');
        loaded = true;
        return Promise.resolve('ok');
      },
      evalSha: () => {
        calls.push('evalSha');
        return loaded ? Promise.resolve('ok') : noScript();
      },
      sendCommand: () => Promise.resolve(undefined),
    };
    const run = scriptRunner(client);
    await expect(run(SCRIPT, [], [])).resolves.toBe('ok');
    await expect(run(SCRIPT, [], [])).resolves.toBe('ok');
    expect(calls).toEqual(['evalSha', 'eval', 'evalSha']);
  });

  it('loads a script once when many calls find it missing at once: the others wait, then run it by SHA-1', async () => {
    const calls: string[] = [];
    let loaded = false;
    let finishLoad!: () => void;
    const client = {
      eval: () => {
        calls.push('eval');
        return new Promise((resolve) => {
          finishLoad = () => {
            loaded = true;
            resolve('ok');
          };
        });
      },
      evalSha: () => {
        calls.push('evalSha');
        return loaded ? Promise.resolve('ok') : noScript();
      },
      sendCommand: () => Promise.resolve(undefined),
    };
    const run = scriptRunner(client);
    const all = Promise.all([run(SCRIPT, [], []), run(SCRIPT, [], []), run(SCRIPT, [], [])]);
    await new Promise((resolve) => setImmediate(resolve));
    finishLoad();
    await expect(all).resolves.toEqual(['ok', 'ok', 'ok']);
    expect(calls.filter((call) => call === 'eval')).toHaveLength(1);
    expect(calls.filter((call) => call === 'evalSha')).toHaveLength(5);
  });

  it('passes on any other failure as it came', async () => {
    const down = new Error('The client is closed');
    const client = { eval: () => Promise.resolve('never'), evalSha: () => Promise.reject(down), sendCommand: () => 0 };
    await expect(scriptRunner(client)(SCRIPT, [], [])).rejects.toBe(down);
  });

  it('sends every script by EVAL to a node-redis-like client without evalSha', async () => {
    const calls: unknown[][] = [];
    const client = { eval: (...args: unknown[]) => Promise.resolve(calls.push(args)), sendCommand: () => 0 };
    await scriptRunner(client)(SCRIPT, ['k'], []);
    expect(calls).toEqual([['return 1', { keys: ['k'], arguments: [] }]]);
  });

  it('sends ioredis and iovalkey the SHA-1, the number of keys, then the keys and the arguments as text, on the client', async () => {
    const calls: unknown[][] = [];
    let loaded = false;
    const client = {
      eval(this: unknown, ...args: unknown[]) {
        calls.push(['eval', this === client, ...args]);
        loaded = true;
        return Promise.resolve('ok');
      },
      evalsha(this: unknown, ...args: unknown[]) {
        calls.push(['evalsha', this === client, ...args]);
        return loaded ? Promise.resolve('ok') : noScript();
      },
      defineCommand: () => undefined,
    };
    await scriptRunner(client)(SCRIPT, ['k1', 'k2'], [1, 'a']);
    expect(calls).toEqual([
      ['evalsha', true, SCRIPT.sha, 2, 'k1', 'k2', '1', 'a'],
      ['eval', true, 'return 1', 2, 'k1', 'k2', '1', 'a'],
    ]);
  });

  it('stops start-up for any other object', () => {
    const other = { eval: () => Promise.resolve(null) } as unknown as OpenCxRedisClient;
    expect(() => scriptRunner(other)).toThrow(OpenCxConfigurationError);
    expect(() => scriptRunner(other)).toThrow(
      'Invalid OpenCxModule options: redis must be a connected node-redis, ioredis or iovalkey client',
    );
  });
});

const ok = () => Promise.resolve(undefined);

describe('redisClientKind', () => {
  it.each([
    ['node-redis', { eval: ok, sendCommand: ok }],
    ['ioredis', { eval: ok, defineCommand: ok, evalsha: ok }],
    // ioredis has sendCommand too: its own methods decide.
    ['ioredis', { eval: ok, defineCommand: ok, evalsha: ok, sendCommand: ok }],
  ])('tells a %s client by its methods', (kind, client) => {
    expect(redisClientKind(client)).toBe(kind);
  });

  it.each([
    ['a URL', 'redis://host'],
    ['null', null],
    ['an object without eval', { sendCommand: ok }],
    ['eval alone', { eval: ok }],
  ])('knows no client in %s', (_label, value) => {
    expect(redisClientKind(value)).toBeUndefined();
  });
});

describe('isDataError', () => {
  it.each([
    ['WRONGTYPE Operation against a key holding the wrong kind of value', true],
    ['ERR Error running script', true],
    ['NOSCRIPT No matching script', false],
    ['LOADING Redis is loading the dataset in memory', false],
    ['connect ECONNREFUSED 127.0.0.1:6379', false],
    ['ERRATIC not a reply', false],
  ])("'%s' is the data's problem: %s", (message, expected) => {
    expect(isDataError(new Error(message))).toBe(expected);
  });

  it('is no data error for what is not an Error', () => {
    expect(isDataError('WRONGTYPE')).toBe(false);
  });
});
