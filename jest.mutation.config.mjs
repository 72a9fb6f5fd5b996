import { fileURLToPath } from 'node:url';
import base from './jest.config.mjs';

/**
 * The library's unit specs and the fleet-store contract against a real `redis-server` (the Redis
 * store's only tests): what mutation testing runs against each mutant.
 */
export default {
  ...base,
  testMatch: ['<rootDir>/libs/opencx/src/**/*.spec.ts', '<rootDir>/test/redis/redis-fleet-store.spec.ts'],
  // The public-API spec reads the sources with the compiler, not the code under test.
  testPathIgnorePatterns: [...base.testPathIgnorePatterns, 'public-api\\.spec\\.ts'],
  // A mutant that leaves a promise pending fails its test in 3 s (jest's default is 5 s) rather
  // than running into StrykerJS's own time-out, which restarts the worker. The slowest spec here
  // takes about a second.
  testTimeout: 3_000,
  // StrykerJS wraps the environment and resolves its path itself, without jest's <rootDir>.
  testEnvironment: fileURLToPath(new URL('test/support/jest-environment.mjs', import.meta.url)),
};
