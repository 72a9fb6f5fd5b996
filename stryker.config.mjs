/**
 * Mutation testing (`npm run test:mutation`): StrykerJS changes the library's code one mutant at a
 * time and runs the unit specs that cover it; a mutant no test kills is a check no test guards.
 * jest runs in native ESM mode, as in `npm test`. The testing entry point is a test helper, and
 * interfaces and entry files hold no behaviour, so they are not mutated.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'jest',
  testRunnerNodeArgs: ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning'],
  jest: { projectType: 'custom', configFile: 'jest.mutation.config.mjs', enableFindRelatedTests: true },
  checkers: ['typescript'],
  // The library's own compile, specs aside: a mutant that is valid library code is tested even if a
  // spec's types would reject it, and each check re-reads a third of the files.
  tsconfigFile: 'libs/opencx/tsconfig.lib.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  // Module-level mutants (constants, decorators) run every test each: most of a run's time for a
  // fifth of the mutants. They are reported as ignored, not counted as detected.
  ignoreStatic: true,
  mutate: [
    'libs/opencx/src/**/*.ts',
    '!libs/opencx/src/**/*.spec.ts',
    '!libs/opencx/src/testing/**',
    '!libs/opencx/src/**/index.ts',
    '!libs/opencx/src/**/*.interface.ts',
    '!libs/opencx/src/version.ts',
  ],
  ignorePatterns: ['dist', 'coverage', 'test-results', 'docs-api', 'libs/opencx/dist'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'test-results/mutation/index.html' },
  jsonReporter: { fileName: 'test-results/mutation/mutation.json' },
  incrementalFile: 'test-results/mutation/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  concurrency: 2,
  // Added to each mutant's own measured time (times 1.5): enough for a loaded machine, short for a mutant that loops.
  timeoutMS: 5_000,
  thresholds: { high: 90, low: 85, break: 85 },
};
