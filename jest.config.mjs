/**
 * jest 30 in native ESM mode (run through `node --experimental-vm-modules`): NestJS 12 is ESM only,
 * and jest's CommonJS mode cannot load it on Node 20.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
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
    // @fastify/static (Swagger UI on Fastify) requires an ESM-only dependency; jest's own require()
    // loads ESM only from Node 24.9, so below that it is compiled to CommonJS for the Fastify suite.
    '/content-disposition/dist/.+\\.js$': [
      'ts-jest',
      {
        diagnostics: false,
        tsconfig: { allowJs: true, module: 'commonjs', moduleResolution: 'node10', verbatimModuleSyntax: false },
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(?:@fastify/static/node_modules/)?content-disposition/)'],
  moduleNameMapper: {
    '^nestjs-opencx$': '<rootDir>/libs/opencx/src/index.ts',
    '^nestjs-opencx/testing$': '<rootDir>/libs/opencx/src/testing/index.ts',
    '^nestjs-opencx/terminus$': '<rootDir>/libs/opencx/src/terminus/index.ts',
    '^nestjs-opencx/redis$': '<rootDir>/libs/opencx/src/redis/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};
