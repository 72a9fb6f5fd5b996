import { format, scores, type AreaScore } from '../../scripts/mutation-score.mjs';

const report = (files: Record<string, string[]>) => ({
  files: Object.fromEntries(
    Object.entries(files).map(([file, statuses]) => [file, { mutants: statuses.map((status) => ({ status })) }]),
  ),
});
const byArea = (files: Record<string, string[]>): Record<string, AreaScore> =>
  Object.fromEntries(scores(report(files)).map((score) => [score.area, score]));

describe('scripts/mutation-score.mjs', () => {
  const healthy = {
    'libs/opencx/src/rate-limit/client-rate-limiter.ts': ['Killed', 'Killed', 'Timeout', 'Killed', 'Killed'],
    'libs/opencx/src/call/attempt-runner.ts': ['Killed', 'Killed', 'Killed', 'Killed', 'Killed'],
    'libs/opencx/src/cache/token-cache.ts': ['Killed', 'Killed', 'Killed', 'Killed', 'Killed'],
    'libs/opencx/src/errors/scrub.ts': ['Killed', 'Killed', 'Killed', 'Killed', 'Killed'],
  };

  it('scores detected (killed, timed out) over detected and undetected (survived, no coverage), per area', () => {
    const areas = byArea({
      ...healthy,
      'libs/opencx/src/call/attempt-runner.ts': ['Killed', 'Timeout', 'Survived', 'NoCoverage', 'CompileError'],
      'libs/opencx/src/call/retry-policy.ts': ['Killed', 'Killed', 'RuntimeError', 'Ignored'],
    });
    expect(areas.call).toMatchObject({ score: (100 * 4) / 6, detected: 4, undetected: 2, met: false });
    expect(areas.limiter).toMatchObject({ score: 100, met: true });
    expect(areas.overall).toMatchObject({ detected: 19, undetected: 2, met: true });
  });

  it('holds each area to its own goal: 85% overall and in the limiter, call, cache and scrubbing code', () => {
    const fiveOfSix = { 'libs/opencx/src/opencx.options.ts': ['Killed', 'Killed', 'Killed', 'Killed', 'Killed'] };
    const sevenOfEight = { 'libs/opencx/src/opencx.options.ts': [...Array<string>(7).fill('Killed'), 'Survived'] };
    expect(byArea({ ...fiveOfSix, 'libs/opencx/src/version.ts': ['Survived'] }).overall).toMatchObject({
      score: (100 * 5) / 6,
      met: false,
    });
    // 27 of 28 with the healthy areas: the whole library meets its goal.
    expect(byArea({ ...healthy, ...sevenOfEight }).overall?.met).toBe(true);
    const cache = byArea({
      ...healthy,
      'libs/opencx/src/cache/token-cache.ts': ['Killed', 'Killed', 'Killed', 'Killed', 'Survived'],
    });
    expect(cache.cache).toMatchObject({ score: 80, met: false });
    expect(cache.overall?.met).toBe(true);
    expect(cache['libs/opencx/src/cache/token-cache.ts']).toMatchObject({ score: 80, goal: 80, met: true });
    const atGoal = byArea({
      ...healthy,
      'libs/opencx/src/cache/token-cache.ts': [...Array<string>(17).fill('Killed'), 'Survived', 'Survived', 'Survived'],
    });
    expect(atGoal.cache).toMatchObject({ score: 85, met: true });
  });

  it('holds every file to 80% of its own, whatever its area', () => {
    const scored = byArea({
      ...healthy,
      'libs/opencx/src/opencx.options.ts': [...Array<string>(19).fill('Killed')],
      'libs/opencx/src/languages.ts': ['Killed', 'Killed', 'Killed', 'Survived', 'Survived'],
    });
    expect(scored.overall?.met).toBe(true);
    expect(scored['libs/opencx/src/languages.ts']).toMatchObject({ score: 60, goal: 80, met: false });
    expect(scored['libs/opencx/src/opencx.options.ts']).toMatchObject({ score: 100, met: true });
    // A file with no judged mutant (all ignored or compile errors) is held to nothing.
    expect(byArea({ ...healthy, 'libs/opencx/src/version.ts': ['CompileError'] })['libs/opencx/src/version.ts']).toBe(
      undefined,
    );
  });

  it('fails an area with no judged mutant: it proves nothing', () => {
    const { scrubbing } = byArea({ 'libs/opencx/src/errors/scrub.ts': ['CompileError'] });
    expect(scrubbing).toMatchObject({ detected: 0, undetected: 0, met: false });
  });

  it('prints a line per area saying whether the goal holds', () => {
    const [overall] = scores(report(healthy)) as [AreaScore];
    expect(format(overall)).toBe('overall: 100.0% (20 detected, 0 not; goal 85%) ok');
    expect(format({ ...overall, score: 84.96, met: false })).toBe(
      'overall: 85.0% (20 detected, 0 not; goal 85%) BELOW GOAL',
    );
  });
});
