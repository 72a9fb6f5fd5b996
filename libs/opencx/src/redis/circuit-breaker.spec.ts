import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { CircuitBreaker } from './circuit-breaker.js';

const COOLDOWN = 1_000;

const never = (): Promise<string> => new Promise(() => undefined);
const ok = (): Promise<string> => Promise.resolve('redis');
const down = (): Promise<string> => Promise.reject(new Error('connection refused'));
/** A client that throws instead of rejecting, as some do when not connected. */
const throws = (): Promise<string> => {
  throw new Error('client not connected');
};

describe('CircuitBreaker', () => {
  let logger: Logger;
  beforeEach(() => {
    // setImmediate stays real: the breaker decides a time-out after the I/O phase.
    jest.useFakeTimers({ now: 1_000_000, doNotFake: ['setImmediate'] });
    logger = new Logger('test');
    jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    jest.spyOn(logger, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.useRealTimers());

  it('bounds a frozen operation, then skips Redis without waiting until the cool-down ends', async () => {
    const breaker = new CircuitBreaker(250, COOLDOWN, logger);
    let calls = 0;
    const frozen = (): Promise<string> => {
      calls++;
      return never();
    };
    const first = breaker.run(frozen, () => 'local');
    await jest.advanceTimersByTimeAsync(250);
    await expect(first).resolves.toBe('local');
    // Open: answered at once from the fallback, Redis not asked.
    await expect(breaker.run(frozen, () => 'local')).resolves.toBe('local');
    expect(calls).toBe(1);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('lets one operation try again after the cool-down, and closes when it succeeds', async () => {
    const breaker = new CircuitBreaker(250, COOLDOWN, logger);
    await breaker.run(
      () => Promise.reject(new Error('down')),
      () => 'local',
    );
    jest.advanceTimersByTime(COOLDOWN);
    let resolveProbe!: (value: string) => void;
    const probe = breaker.run(
      () => new Promise<string>((resolve) => (resolveProbe = resolve)),
      () => 'local',
    );
    // While the one trial runs, others keep to the fallback.
    let asked = false;
    await expect(
      breaker.run(
        () => {
          asked = true;
          return Promise.resolve('redis');
        },
        () => 'local',
      ),
    ).resolves.toBe('local');
    expect(asked).toBe(false);
    resolveProbe('redis');
    await expect(probe).resolves.toBe('redis');
    await expect(
      breaker.run(
        () => Promise.resolve('redis'),
        () => 'local',
      ),
    ).resolves.toBe('redis');
    expect(logger.log).toHaveBeenCalledWith(expect.stringContaining('back'));
  });

  it('keeps to one trial when an operation sent before the outage ends during it', async () => {
    const breaker = new CircuitBreaker(60_000, COOLDOWN, logger);
    let answerEarly!: (value: string) => void;
    const early = breaker.run(
      () => new Promise<string>((resolve) => (answerEarly = resolve)),
      () => 'local',
    );
    await breaker.run(down, () => 'local');
    jest.advanceTimersByTime(COOLDOWN);
    // The trial: Redis never answers it within this test.
    void breaker.run(never, () => 'local');
    answerEarly('redis');
    await expect(early).resolves.toBe('redis');
    // The early operation was no trial: the breaker stays half-open until the trial's outcome.
    expect(breaker.isOpen).toBe(true);
  });

  it('treats an operation that throws instead of rejecting as a failure', async () => {
    const breaker = new CircuitBreaker(250, COOLDOWN, logger);
    await expect(breaker.run(throws, () => 'local')).resolves.toBe('local');
    expect(breaker.isOpen).toBe(true);
    // Named by class only: a client's message may say where it connects.
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('Redis unavailable (Error)'));
  });

  it('require() rejects instead of falling back', async () => {
    const breaker = new CircuitBreaker(250, COOLDOWN, logger);
    await expect(breaker.require(() => Promise.reject(new Error('down')))).rejects.toThrow(/unavailable/);
  });

  it('does not trip while Redis answers other operations: a slow answer behind a busy process is not a failure', async () => {
    const breaker = new CircuitBreaker(250, COOLDOWN, logger);
    let answerSlow!: (value: string) => void;
    const slow = breaker.run(
      () => new Promise<string>((resolve) => (answerSlow = resolve)),
      () => 'local',
    );
    // Redis keeps answering other operations while this one's answer waits in the queue.
    for (let i = 0; i < 5; i++) {
      await jest.advanceTimersByTimeAsync(100);
      await breaker.run(
        () => Promise.resolve('other'),
        () => 'local',
      );
    }
    answerSlow('redis');
    await expect(slow).resolves.toBe('redis');
    expect(breaker.isOpen).toBe(false);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('waits at most ten timeouts for an operation, even while Redis answers others', async () => {
    const breaker = new CircuitBreaker(100, COOLDOWN, logger);
    const stuck = breaker.run(never, () => 'local');
    let settled = false;
    void stuck.then(() => (settled = true));
    for (let i = 0; i < 9; i++) {
      await jest.advanceTimersByTimeAsync(50);
      await breaker.run(
        () => Promise.resolve('other'),
        () => 'local',
      );
      await jest.advanceTimersByTimeAsync(50);
    }
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(300);
    await expect(stuck).resolves.toBe('local');
  });

  it('tells its owner when it opens, with when the failed operation was sent, and when Redis is back', async () => {
    const events: string[] = [];
    const breaker = new CircuitBreaker(250, COOLDOWN, logger, {
      opened: (sentAt) => events.push(`opened ${sentAt}`),
      closed: () => events.push('closed'),
    });
    const sentAt = performance.now();
    const failing = breaker.run(
      () => new Promise<string>((_, reject) => setTimeout(() => reject(new Error('down')), 100)),
      () => 'local',
    );
    await jest.advanceTimersByTimeAsync(100);
    await failing;
    jest.advanceTimersByTime(COOLDOWN);
    await breaker.run(
      () => Promise.resolve('redis'),
      () => 'local',
    );
    expect(events).toEqual([`opened ${sentAt}`, 'closed']);
  });

  it.each([
    ['WRONGTYPE Operation against a key holding the wrong kind of value'],
    ['ERR user_script:1: Script attempted to access nonexistent global variable'],
  ])("falls back without opening on a reply that blames the data or the script: '%s'", async (reply) => {
    const events: string[] = [];
    const breaker = new CircuitBreaker(250, COOLDOWN, logger, { opened: () => events.push('opened') });
    await expect(
      breaker.run(
        () => Promise.reject(new Error(reply)),
        () => 'local',
      ),
    ).resolves.toBe('local');
    await expect(breaker.require(() => Promise.reject(new Error(reply)))).rejects.toThrow('unavailable');
    expect(breaker.isOpen).toBe(false);
    expect(events).toEqual([]);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it.each([
    ['LOADING Redis is loading the dataset in memory'],
    ['BUSY Redis is busy running a script'],
    ['OOM command not allowed when used memory > maxmemory'],
    ['READONLY You cannot write against a read only replica.'],
    ['The client is closed'],
  ])("opens on a failure that says Redis cannot serve: '%s'", async (failure) => {
    const breaker = new CircuitBreaker(250, COOLDOWN, logger);
    await breaker.run(
      () => Promise.reject(new Error(failure)),
      () => 'local',
    );
    expect(breaker.isOpen).toBe(true);
  });

  it('tells its owner when it opens and when Redis is back', async () => {
    const events: string[] = [];
    const breaker = new CircuitBreaker(250, COOLDOWN, logger, {
      opened: () => events.push('opened'),
      closed: () => events.push('closed'),
    });
    await breaker.run(
      () => Promise.reject(new Error('down')),
      () => 'local',
    );
    jest.advanceTimersByTime(COOLDOWN);
    await breaker.run(
      () => Promise.resolve('redis'),
      () => 'local',
    );
    expect(events).toEqual(['opened', 'closed']);
  });

  it('says so once an outage, with what failed, and that it works on its share; then once that Redis is back', async () => {
    const events: string[] = [];
    const breaker = new CircuitBreaker(250, COOLDOWN, logger, {
      opened: () => events.push('opened'),
      closed: () => events.push('closed'),
    });
    // Answers alone do not tell the owner anything.
    await breaker.run(ok, () => 'local');
    expect(events).toEqual([]);
    const first = breaker.run(never, () => 'local');
    await jest.advanceTimersByTimeAsync(250);
    await first;
    // The trial after the cool-down fails again: still the same outage.
    jest.advanceTimersByTime(COOLDOWN);
    await breaker.run(down, () => 'local');
    expect(events).toEqual(['opened']);
    expect(jest.mocked(logger.warn).mock.calls).toEqual([
      [
        `Redis unavailable (no answer within 250 ms); this instance works on its own share of the limit, trying Redis again every ${COOLDOWN} ms`,
      ],
    ]);
    jest.advanceTimersByTime(COOLDOWN);
    await breaker.run(ok, () => 'local');
    await breaker.run(ok, () => 'local');
    expect(events).toEqual(['opened', 'closed']);
    expect(jest.mocked(logger.log).mock.calls).toEqual([['Redis is back; the fleet shares state again']]);
    // A new outage is told again.
    await breaker.run(down, () => 'local');
    expect(events).toEqual(['opened', 'closed', 'opened']);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(logger.warn).toHaveBeenLastCalledWith(expect.stringContaining('Redis unavailable (Error)'));
  });

  it('leaves no timer behind once an operation has settled, and names a failure that is not an Error only as one', async () => {
    const breaker = new CircuitBreaker(250, COOLDOWN, logger);
    await breaker.run(
      () => Promise.resolve('redis'),
      () => 'local',
    );
    await breaker.run(
      // oxlint-disable-next-line prefer-promise-reject-errors -- a client may reject with anything
      () => Promise.reject('sk_secret_canary'),
      () => 'local',
    );
    expect(jest.getTimerCount()).toBe(0);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/^Redis unavailable \(error\);/));
  });

  it.each([
    ['late by more than half the timeout: a blocked process, so it waits on', 160, 'redis'],
    ['late by less than half the timeout: Redis was silent on time, so it gives up', 90, 'local'],
  ])('judges a time-out that fired %s', async (_label, lateMs, outcome) => {
    // The timer fires when due on the fake clock; reading the clock then says how late it ran.
    let late = 0;
    const clock = performance.now.bind(performance);
    jest.spyOn(performance, 'now').mockImplementation(() => clock() + late);
    const breaker = new CircuitBreaker(250, COOLDOWN, logger);
    let answer!: (value: string) => void;
    const slow = breaker.run(
      () => new Promise<string>((resolve) => (answer = resolve)),
      () => 'local',
    );
    late = lateMs;
    await jest.advanceTimersByTimeAsync(250);
    late = 0;
    answer('redis');
    await expect(slow).resolves.toBe(outcome);
  });
});
