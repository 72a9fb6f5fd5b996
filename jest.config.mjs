import { availableParallelism } from 'node:os';

// @fastify/static (Swagger UI on Fastify) requires an ESM-only dependency: jest's own require()
// loads ESM from Node 24.9 on; below that the dependency is compiled to CommonJS for it.
const [major, minor] = process.versions.node.split('.').map(Number);
const REQUIRE_ESM = major > 24 || (major === 24 && minor >= 9);
const ESM_DEPENDENCY_AS_COMMONJS = {
  '/content-disposition/dist/.+\\.js$': [
    'ts-jest',
    {
      diagnostics: false,
      tsconfig: { allowJs: true, module: 'commonjs', moduleResolution: 'node10', verbatimModuleSyntax: false },
    },
  ],
};

/**
 * jest 30 in native ESM mode (run through `node --experimental-vm-modules`): NestJS 12 is ESM only,
 * and jest's CommonJS mode cannot load it on Node 20.
 * @type {import('jest').Config}
 */
export default {
  // jest's node environment, failing a file that leaves a process or a listening server behind.
  testEnvironment: '<rootDir>/test/support/jest-environment.mjs',
  // jest's default is a worker less than the cores: one on two cores, which runs the suites one
  // after another, and the suites that mostly wait (Redis windows, servers, browsers) wait in turn.
  maxWorkers: Math.max(2, availableParallelism() - 1),
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // `npm run test:cov`: the library's own code, measured by its unit tests (the e2e suites run the
  // built app in another process). The thresholds sit just under the measured figures, so a drop fails.
  collectCoverageFrom: ['libs/opencx/src/**/*.ts', '!libs/opencx/src/**/*.spec.ts', '!libs/opencx/src/**/*.cli.ts'],
  coverageDirectory: 'coverage',
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { global: { statements: 85, branches: 85, functions: 80, lines: 86 } },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
    ...(REQUIRE_ESM ? {} : ESM_DEPENDENCY_AS_COMMONJS),
  },
  ...(REQUIRE_ESM
    ? {}
    : { transformIgnorePatterns: ['/node_modules/(?!(?:@fastify/static/node_modules/)?content-disposition/)'] }),
  // StrykerJS's sandboxes (mutation testing) are copies of the repository: not modules of it.
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/'],
  moduleNameMapper: {
    '^nestjs-opencx$': '<rootDir>/libs/opencx/src/index.ts',
    '^nestjs-opencx/testing$': '<rootDir>/libs/opencx/src/testing/index.ts',
    '^nestjs-opencx/terminus$': '<rootDir>/libs/opencx/src/terminus/index.ts',
    '^nestjs-opencx/redis$': '<rootDir>/libs/opencx/src/redis/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};
