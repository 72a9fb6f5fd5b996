import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ContactAuthService } from './contact-auth.service.js';
import { OpenCxClientRateLimitError, OpenCxConfigurationError, OpenCxTimeoutError } from './errors/opencx.errors.js';
import { OpenCxModule } from './opencx.module.js';
import type { OpenCxModuleOptions } from './opencx.options.js';
import { createOpenCxFakeServer, type OpenCxFakeServer } from './testing/index.js';

const KEY = 'sk_module_options_canary_8';

/** The error `forRoot`/`forRootAsync` or the module's compilation ends with, or undefined. */
async function failureOf(register: () => unknown): Promise<unknown> {
  try {
    const moduleRef = await Test.createTestingModule({ imports: [register() as never] }).compile();
    await moduleRef.close();
    return undefined;
  } catch (error) {
    return error;
  }
}

/** An options object whose `name` reads `first` once, then `later` on every other read. */
function changing(name: string, first: unknown, later: unknown, base: object): { reads: () => number } & object {
  let reads = 0;
  const options = { ...base, reads: () => reads };
  Object.defineProperty(options, name, {
    enumerable: true,
    get: () => (reads++ === 0 ? first : later),
  });
  // `reads` is the test's, not an option.
  Object.defineProperty(options, 'reads', { enumerable: false });
  return options;
}

describe('OpenCxModule options', () => {
  let fake: OpenCxFakeServer;
  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: KEY });
  });
  beforeEach(() => fake.reset());
  afterAll(() => fake.close());

  describe('what is not an options object', () => {
    it.each([
      ['forRoot(null)', () => OpenCxModule.forRoot(null as never)],
      ['forRoot(undefined)', () => OpenCxModule.forRoot(undefined as never)],
      ['forRoot(a string)', () => OpenCxModule.forRoot('sk_key' as never)],
      ['forRootAsync(null)', () => OpenCxModule.forRootAsync(null as never)],
      ['forRootAsync(a number)', () => OpenCxModule.forRootAsync(7 as never)],
      ['forRootAsync returning null', () => OpenCxModule.forRootAsync({ useFactory: () => null as never })],
    ])('%s is refused with OpenCxConfigurationError', async (_label, register) => {
      const error = await failureOf(register);
      expect(error).toBeInstanceOf(OpenCxConfigurationError);
      expect((error as Error).message).toMatch(/options must be an object/);
    });
  });

  describe("forRootAsync's options, read once", () => {
    it.each<[string, unknown, unknown]>([
      ['timeout', 1_000, '1e9x'],
      ['totalTimeout', 60_000, 50],
      ['maxRetries', 0, -1],
    ])('validates and uses one read of %s', async (name, first, later) => {
      const options = changing(name, first, later, { apiKey: KEY, baseUrl: fake.url, rateLimit: false });
      const moduleRef = await Test.createTestingModule({
        imports: [OpenCxModule.forRootAsync({ useFactory: () => options as unknown as OpenCxModuleOptions })],
      }).compile();
      expect(options.reads()).toBe(1);
      await moduleRef.close();
    });

    it('uses the timeout it validated: a hanging OpenCX ends "within 1000 ms", not "within NaN ms"', async () => {
      const options = changing('timeout', 1_000, '1e9x', { apiKey: KEY, baseUrl: fake.url, maxRetries: 0 });
      const moduleRef = await Test.createTestingModule({
        imports: [OpenCxModule.forRootAsync({ useFactory: () => options as unknown as OpenCxModuleOptions })],
      }).compile();
      fake.hangNext(1);
      const error = await moduleRef
        .get(ContactAuthService)
        .authenticateUser({ email: 'once@example.com' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenCxTimeoutError);
      expect((error as Error).message).toBe('OpenCX did not answer within 1000 ms');
      await moduleRef.close();
    });

    it('uses the perMinute it validated, never a negative one read later', async () => {
      let reads = 0;
      const rateLimit = {
        maxWait: 0,
        get perMinute(): number {
          return reads++ === 0 ? 1 : -5;
        },
      };
      const moduleRef = await Test.createTestingModule({
        imports: [OpenCxModule.forRootAsync({ useFactory: () => ({ apiKey: KEY, baseUrl: fake.url, rateLimit }) })],
      }).compile();
      const service = moduleRef.get(ContactAuthService);
      await service.authenticateUser({ email: 'first@example.com' });
      const second = await service.authenticateUser({ email: 'second@example.com' }).catch((e: unknown) => e);
      expect(second).toBeInstanceOf(OpenCxClientRateLimitError);
      expect(reads).toBe(1);
      await moduleRef.close();
    });
  });

  describe('from the environment', () => {
    it('takes numeric strings for numeric options, as process.env and registerAs give them', async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [
          OpenCxModule.forRootAsync({
            useFactory: () =>
              ({
                apiKey: KEY,
                baseUrl: fake.url,
                timeout: '1500',
                maxRetries: ' 0 ',
                cache: { ttl: '60000' },
                rateLimit: { perMinute: '50' },
              }) as unknown as OpenCxModuleOptions,
          }),
        ],
      }).compile();
      fake.hangNext(1);
      const error = await moduleRef
        .get(ContactAuthService)
        .authenticateUser({ email: 'env@example.com' })
        .catch((e: unknown) => e);
      expect((error as Error).message).toBe('OpenCX did not answer within 1500 ms');
      expect(fake.requests).toHaveLength(1);
      await moduleRef.close();
    });

    it.each([
      ['timeout', '1e9x'],
      ['timeout', '1500ms'],
      ['timeout', ''],
      ['maxRetries', '1.5'],
      ['rateLimit.perMinute', 'many'],
    ])('refuses %s %j, naming the option', async (name, value) => {
      const [section, field] = name.includes('.') ? name.split('.') : [undefined, name];
      const options = section ? { apiKey: KEY, [section]: { [field]: value } } : { apiKey: KEY, [field]: value };
      const error = await failureOf(() => OpenCxModule.forRoot(options));
      expect(error).toBeInstanceOf(OpenCxConfigurationError);
      expect((error as Error).message).toContain(name);
      expect((error as Error).message).not.toContain(KEY);
    });

    it('lowers rateLimit.maxWait to a totalTimeout below it, saying so at debug level', async () => {
      const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
      try {
        const moduleRef = await Test.createTestingModule({
          imports: [OpenCxModule.forRoot({ apiKey: KEY, baseUrl: fake.url, totalTimeout: 2_000 })],
        }).compile();
        expect(debug).toHaveBeenCalledWith(
          'rateLimit.maxWait lowered from 10000 ms to totalTimeout (2000 ms): a slot further away could never be used',
        );
        await moduleRef.get(ContactAuthService).authenticateUser({ email: 'short@example.com' });
        await moduleRef.close();
      } finally {
        debug.mockRestore();
      }
    });

    it('still refuses a maxWait the user set above the totalTimeout the user set', async () => {
      const error = await failureOf(() =>
        OpenCxModule.forRoot({ apiKey: KEY, totalTimeout: 2_000, rateLimit: { maxWait: 5_000 } }),
      );
      expect((error as Error).message).toContain('rateLimit.maxWait (5000 ms) is longer than totalTimeout (2000 ms)');
    });

    it("reads an empty baseUrl (OPENCX_BASE_URL=) as the default, OpenCX's own", async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [OpenCxModule.forRoot({ apiKey: KEY, baseUrl: '' })],
      }).compile();
      expect(moduleRef.get(ContactAuthService)).toBeInstanceOf(ContactAuthService);
      await moduleRef.close();
    });
  });
});
