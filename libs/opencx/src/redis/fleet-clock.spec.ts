import { CLOCK_TOLERANCE, FleetClock } from './fleet-clock.js';

const timing = { heartbeat: 1_000, forget: 3_000 };

describe('FleetClock', () => {
  it('has no estimate until a heartbeat answers, then anchors on the time the beat was sent', () => {
    const clock = new FleetClock(timing);
    expect(clock.anchored).toBe(false);
    expect(clock.size).toBe(0);
    expect(clock.beatArguments(100, false)).toEqual(['', 3_000, CLOCK_TOLERANCE, 2_250, 60_000, '0', '0']);
    expect(clock.learn([5_000_000, 3, 1], 100, 110)).toEqual({ lost: false });
    expect(clock.anchored).toBe(true);
    expect(clock.size).toBe(3);
    // Sent at 100, the fleet time then: an overestimate by at most the round trip.
    expect(clock.at(100)).toBe(5_000_000);
    expect(clock.at(1_100)).toBe(5_001_000);
    // Anchored and heard lately: the script checks this instance is still a member.
    expect(clock.beatArguments(1_100, true)).toEqual([5_001_000, 3_000, CLOCK_TOLERANCE, 2_250, 60_000, '1', '1']);
  });

  it('says the fleet lost its state only to an instance that was part of it', () => {
    const clock = new FleetClock(timing);
    expect(clock.learn([1_000, 1, 1], 0, 1)).toEqual({ lost: false });
    expect(clock.learn([2_000, 1, 1], 1_000, 1_001)).toEqual({ lost: true });
    expect(clock.learn([3_000, 1, 0], 2_000, 2_001)).toEqual({ lost: false });
  });

  it('never goes back, and re-anchors forward only on a quick answer or a step of the fleet', () => {
    const clock = new FleetClock(timing);
    clock.learn([10_000, 1, 0], 0, 5);
    // An answer a little behind: kept as it was.
    clock.learn([10_980, 1, 0], 1_000, 1_005);
    expect(clock.at(1_000)).toBe(11_000);
    // A little ahead, but slow to come back: the old anchor holds.
    clock.learn([12_040, 1, 0], 2_000, 2_200);
    expect(clock.at(2_000)).toBe(12_000);
    // A little ahead and quick: taken.
    clock.learn([13_040, 1, 0], 3_000, 3_010);
    expect(clock.at(3_000)).toBe(13_040);
    // Far ahead (the fleet followed another instance), even slow: taken.
    clock.learn([20_000, 1, 0], 4_000, 4_500);
    expect(clock.at(4_000)).toBe(20_000);
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
});
