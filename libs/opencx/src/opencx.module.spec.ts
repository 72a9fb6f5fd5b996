import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ContactAuthService } from './contact-auth.service.js';
import { OpenCxConfigurationError } from './errors/opencx.errors.js';
import { OPENCX_FLEET_STORE, OPENCX_OPTIONS } from './opencx.constants.js';
import { OpenCxModule } from './opencx.module.js';
import type { OpenCxModuleOptions, OpenCxOptionsFactory, ResolvedOpenCxOptions } from './opencx.options.js';
import { MemoryFleetStore } from './store/memory-fleet-store.js';
import { createOpenCxFakeServer, type OpenCxFakeServer } from './testing/index.js';

const KEY = 'sk_module_canary_123';

@Injectable()
class Settings {
  readonly apiKey = KEY;
}

@Module({ providers: [Settings], exports: [Settings] })
class SettingsModule {}

@Injectable()
class OptionsFactory implements OpenCxOptionsFactory {
  constructor(private readonly settings: Settings) {}
  createOpenCxOptions(): OpenCxModuleOptions {
    return { apiKey: this.settings.apiKey, timeout: 1234 };
  }
}

@Module({ imports: [SettingsModule], providers: [OptionsFactory], exports: [OptionsFactory] })
class FactoryModule {}

@Injectable()
class FeatureService {
  constructor(readonly auth: ContactAuthService) {}
}

@Module({ providers: [FeatureService] })
class FeatureModule {}

describe('OpenCxModule', () => {
  let fake: OpenCxFakeServer;
  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: KEY });
  });
  afterAll(() => fake.close());

  it.each([
    ['forRoot', () => OpenCxModule.forRoot({ apiKey: KEY, timeout: 1234 })],
    [
      'forRootAsync useFactory',
      () =>
        OpenCxModule.forRootAsync({
          imports: [SettingsModule],
          inject: [Settings],
          useFactory: (settings: Settings) => ({ apiKey: settings.apiKey, timeout: 1234 }),
        }),
    ],
    ['forRootAsync useClass', () => OpenCxModule.forRootAsync({ imports: [SettingsModule], useClass: OptionsFactory })],
    [
      'forRootAsync useExisting',
      () =>
        OpenCxModule.forRootAsync({
          imports: [FactoryModule],
          useExisting: OptionsFactory,
        }),
    ],
  ])('%s provides ContactAuthService with resolved options', async (_style, register) => {
    const moduleRef = await Test.createTestingModule({ imports: [register()] }).compile();
    const options = moduleRef.get<ResolvedOpenCxOptions>(OPENCX_OPTIONS);
    expect(options).toMatchObject({ apiKey: KEY, timeout: 1234, maxRetries: 2, baseUrl: 'https://api.open.cx' });
    expect(moduleRef.get(ContactAuthService)).toBeInstanceOf(ContactAuthService);
    await moduleRef.close();
  });

  it('is visible to feature modules without importing it when isGlobal is set', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ apiKey: KEY, baseUrl: fake.url, isGlobal: true }), FeatureModule],
    }).compile();
    const feature = moduleRef.get(FeatureService);
    await expect(feature.auth.authenticateUser({ email: 'global@example.com' })).resolves.toHaveProperty('token');
    await moduleRef.close();
  });

  it('is not global by default', async () => {
    await expect(
      Test.createTestingModule({ imports: [OpenCxModule.forRoot({ apiKey: KEY }), FeatureModule] }).compile(),
    ).rejects.toThrow(/ContactAuthService/);
  });

  it('fails start-up on bad options, naming them and never printing the key', async () => {
    const error = (await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ apiKey: KEY, baseUrl: 'nope', maxRetries: -3 })],
    })
      .compile()
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('baseUrl');
    expect(error.message).toContain('maxRetries');
    expect(error.message).not.toContain(KEY);
  });

  it('stops start-up on a redis client of no kind it can use, where the Redis store is built', async () => {
    const error = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ apiKey: KEY, redis: { eval: () => Promise.resolve(null) } })],
    })
      .compile()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenCxConfigurationError);
    expect((error as Error).message).toContain('redis must be a connected node-redis, ioredis or iovalkey client');
  });

  it('exposes its own HttpService (own axios instance, keep-alive agents), separate from the global axios', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [OpenCxModule.forRoot({ apiKey: KEY })] }).compile();
    const http = moduleRef.get(ContactAuthService).httpService;
    const axios = (await import('axios')).default;
    expect(http.axiosRef).not.toBe(axios);
    expect((http.axiosRef.defaults.httpAgent as { keepAlive: boolean }).keepAlive).toBe(true);
    await moduleRef.close();
  });

  it('stops start-up when two registrations share a name, naming it', async () => {
    @Module({ imports: [OpenCxModule.forRoot({ name: 'eu', apiKey: KEY })] })
    class First {}
    @Module({ imports: [OpenCxModule.forRoot({ name: 'eu', apiKey: 'sk_other_key_1' })] })
    class Second {}
    const moduleRef = await Test.createTestingModule({ imports: [First, Second] }).compile();
    await expect(moduleRef.init()).rejects.toThrow(/two OpenCxModule registrations are named "eu"/);
    await moduleRef.close();
  });

  it('says once that apiKey is required, and "must be a number" for a string that is not one', async () => {
    const error = (await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ timeout: '5s' } as unknown as OpenCxModuleOptions)],
    })
      .compile()
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toBe('Invalid OpenCxModule options: apiKey is required; timeout must be a number');
  });

  it('builds each part of a registration as a provider, so a test can replace one', async () => {
    const store = new MemoryFleetStore();
    const moduleRef = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ apiKey: KEY, baseUrl: fake.url })],
    })
      .overrideProvider(OPENCX_FLEET_STORE)
      .useValue(store)
      .compile();
    const lookups: string[] = [];
    const lookup = store.lookup.bind(store);
    store.lookup = (key: string, payload: string) => (lookups.push(key), lookup(key, payload));
    await moduleRef.get(ContactAuthService).authenticateUser({ email: 'replaced@example.com' });
    expect(lookups.length).toBeGreaterThan(0);
    await moduleRef.close();
  });

  it('lets users add axios interceptors to the exposed HttpService', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ apiKey: KEY, baseUrl: fake.url })],
    }).compile();
    moduleRef.get(ContactAuthService).httpService.axiosRef.interceptors.request.use((config) => {
      config.headers.set('x-trace-id', 'trace-1');
      return config;
    });
    fake.reset();
    await moduleRef.get(ContactAuthService).authenticateUser({ email: 'trace@example.com' });
    expect(fake.requests[0]!.headers['x-trace-id']).toBe('trace-1');
    await moduleRef.close();
  });
});
