import { CLOCK_TOLERANCE, FleetClock } from './fleet-clock.js';

const timing = { heartbeat: 1_000, forget: 3_000, timeout: 1_000 };

describe('FleetClock', () => {
  it("has no estimate until a heartbeat answers, then anchors half-way through the beat's round trip", () => {
    const clock = new FleetClock(timing);
    expect(clock.anchored).toBe(false);
    expect(clock.size).toBe(0);
    // No estimate yet; forget, how far the server's clock may stray below and above it, a newcomer's cap, ttl.
    expect(clock.beatArguments(100, false)).toEqual(['', 3_000, 250, 1_250, 2_250, 60_000, '0', '0', '']);
    expect(clock.scriptTime()).toEqual({ offset: '', below: 250, above: 1_250 });
    expect(clock.learn([5_000_000, 3, 1, 4_999_000, 4_998_000, 0], 100, 110)).toEqual({ lost: false });
    expect(clock.anchored).toBe(true);
    expect(clock.size).toBe(3);
    // Read by the server somewhere between 100 and 110: taken as at 105, off by at most 5 ms.
    expect(clock.at(105)).toBe(5_000_000);
    expect(clock.at(1_105)).toBe(5_001_000);
    // Anchored and heard lately: the script checks this instance is still a member, joined when it said.
    expect(clock.beatArguments(1_105, true)).toEqual([
      5_001_000,
      3_000,
      255,
      1_255,
      2_250,
      60_000,
      '1',
      '1',
      4_998_000,
    ]);
    // Per-key scripts read the server's clock plus the offset the beat learnt, within the estimate's error and more.
    expect(clock.scriptTime()).toEqual({
      offset: 1_000,
      below: CLOCK_TOLERANCE + 5,
      above: 1_000 + CLOCK_TOLERANCE + 5,
    });
  });

  it('says the fleet lost its state only to an instance that was part of it', () => {
    const clock = new FleetClock(timing);
    expect(clock.learn([1_000, 1, 1], 0, 1)).toEqual({ lost: false });
    expect(clock.learn([2_000, 1, 1], 1_000, 1_001)).toEqual({ lost: true });
    expect(clock.learn([3_000, 1, 0], 2_000, 2_001)).toEqual({ lost: false });
  });

  it("keeps the quickest beat as its anchor, until it has aged or the fleet's time moved", () => {
    const clock = new FleetClock(timing);
    // A slow first beat: taken, there is no other.
    clock.learn([10_100, 1, 0], 0, 200);
    expect(clock.at(100)).toBe(10_100);
    // A quick one: better, taken (in either direction).
    clock.learn([11_000, 1, 0], 1_000, 1_010);
    expect(clock.at(1_005)).toBe(11_000);
    // Slower than the anchor: not taken while the anchor is young.
    clock.learn([12_030, 1, 0], 2_000, 2_060);
    expect(clock.at(2_030)).toBe(12_025);
    // The fleet's time moved by more than the tolerance (a step another instance made): taken, slow or not.
    clock.learn([20_000, 1, 0], 3_000, 3_100);
    expect(clock.at(3_050)).toBe(20_000);
    // Any beat as quick as the aged anchor's round trip replaces it.
    clock.learn([21_010, 1, 0], 4_000, 4_020);
    expect(clock.at(4_010)).toBe(21_010);
  });

  it('is heard of by the fleet once no member is unaware of it, and never on a reply that does not say', () => {
    const clock = new FleetClock(timing);
    expect(clock.heardOf).toBe(false);
    clock.learn([1_000, 3, 0, 900, 1_000, 2], 0, 1);
    expect(clock.heardOf).toBe(false);
    clock.learn([2_000, 3, 0, 1_900, 1_000, 0], 1_000, 1_001);
    expect(clock.heardOf).toBe(true);
    clock.learn([3_000, 3, 0, 2_900], 2_000, 2_001);
    expect(clock.heardOf).toBe(false);
    clock.learn([4_000, 3, 0, 3_900, 1_000, -1], 3_000, 3_001);
    expect(clock.heardOf).toBe(false);
  });

  it('ignores a reply that makes no sense', () => {
    const clock = new FleetClock(timing);
    expect(clock.learn('OK', 0, 1)).toBeUndefined();
    expect(clock.learn(['x', 1, 0], 0, 1)).toBeUndefined();
    expect(clock.learn([1_000, 1.5, 0], 0, 1)).toBeUndefined();
    expect(clock.anchored).toBe(false);
  });

  it('was alone only if the last beat said so, within the time a member is kept', () => {
    const clock = new FleetClock(timing);
    expect(clock.aloneAt(0)).toBe(false);
    clock.learn([1_000, 1, 0], 0, 10);
    expect(clock.aloneAt(3_000)).toBe(true);
    expect(clock.aloneAt(3_010)).toBe(false);
    clock.learn([2_000, 2, 0], 1_000, 1_010);
    expect(clock.aloneAt(1_100)).toBe(false);
  });

  it('says the members the last heartbeat said departed, ids only', () => {
    const clock = new FleetClock(timing);
    const a = '0f0e0d0c-0b0a-4908-8706-050403020100';
    const b = '1f0e0d0c-0b0a-4908-8706-050403020100';
    expect(clock.departed).toEqual([]);
    clock.learn([1_000, 2, 0, 1_000, 1_000, 0, [a, 'not an id!', 7]], 0, 10);
    expect(clock.departed).toEqual([a]);
    clock.learn([2_000, 2, 0, 2_000, 1_000, 0, [a, b]], 1_000, 1_010);
    expect(clock.departed).toEqual([a, b]);
    // One that beats again is no longer said; a reply that names none says none departed.
    clock.learn([3_000, 2, 0, 3_000, 1_000, 0, [b]], 2_000, 2_010);
    expect(clock.departed).toEqual([b]);
    clock.learn([4_000, 2, 0, 4_000, 1_000, 0], 3_000, 3_010);
    expect(clock.departed).toEqual([]);
  });
});
