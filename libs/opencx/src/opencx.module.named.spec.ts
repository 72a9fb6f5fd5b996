import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ContactAuthService } from './contact-auth.service.js';
import { OpenCxConfigurationError } from './errors/opencx.errors.js';
import { InjectContactAuth } from './inject-contact-auth.decorator.js';
import { OpenCxModule } from './opencx.module.js';
import { getContactAuthToken } from './opencx.tokens.js';
import { createOpenCxFakeServer, type OpenCxFakeServer } from './testing/index.js';

const EU_KEY = 'sk_eu_canary_1';
const US_KEY = 'sk_us_canary_2';

@Injectable()
class TwoOrganisations {
  constructor(
    @InjectContactAuth('eu') readonly eu: ContactAuthService,
    @InjectContactAuth('us') readonly us: ContactAuthService,
  ) {}
}

@Injectable()
class DefaultUser {
  constructor(
    readonly byClass: ContactAuthService,
    @InjectContactAuth() readonly byToken: ContactAuthService,
  ) {}
}

@Injectable()
class WantsClass {
  constructor(readonly auth: ContactAuthService) {}
}

describe('OpenCxModule named registrations', () => {
  let eu: OpenCxFakeServer;
  let us: OpenCxFakeServer;
  beforeAll(async () => {
    [eu, us] = await Promise.all([
      createOpenCxFakeServer({ apiKey: EU_KEY }),
      createOpenCxFakeServer({ apiKey: US_KEY }),
    ]);
  }, 30_000);
  beforeEach(() => {
    eu.reset();
    us.reset();
  });
  afterAll(() => Promise.all([eu?.close(), us?.close()]));

  /** Compiles two registrations with these limits: the shared limit's check runs at start-up. */
  const compile = (
    first: { apiKey: string; group?: string; perMinute: number },
    second: { apiKey: string; group?: string; perMinute: number },
  ) =>
    Test.createTestingModule({
      imports: [first, second].map(({ apiKey, group, perMinute }, i) =>
        OpenCxModule.forRoot({
          name: i === 0 ? 'eu' : 'us',
          apiKey,
          baseUrl: eu.url,
          healthCheckInterval: 0,
          rateLimit: group === undefined ? { perMinute } : { perMinute, group },
        }),
      ),
    }).compile();

  it('gives each registration its own organisation: each call reaches its own server with its own key', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({ name: 'eu', apiKey: EU_KEY, baseUrl: eu.url, cache: false }),
        OpenCxModule.forRootAsync({
          name: 'us',
          useFactory: () => ({ apiKey: US_KEY, baseUrl: us.url, cache: false }),
        }),
      ],
      providers: [TwoOrganisations],
    }).compile();
    const { eu: euAuth, us: usAuth } = moduleRef.get(TwoOrganisations);
    expect(euAuth).not.toBe(usAuth);

    const fromEu = await euAuth.authenticateUser({ email: 'eu-user@example.com' });
    const fromUs = await usAuth.authenticateUser({ email: 'us-user@example.com' });

    expect(fromEu.contact?.id).toBe(eu.contactIdFor('eu-user@example.com'));
    expect(fromUs.contact?.id).toBe(us.contactIdFor('us-user@example.com'));
    expect(
      eu.authenticateRequests().map((r) => [r.headers.authorization, (r.body as { email: string }).email]),
    ).toEqual([[`Bearer ${EU_KEY}`, 'eu-user@example.com']]);
    expect(
      us.authenticateRequests().map((r) => [r.headers.authorization, (r.body as { email: string }).email]),
    ).toEqual([[`Bearer ${US_KEY}`, 'us-user@example.com']]);
    expect(moduleRef.get(getContactAuthToken('eu'))).toBe(euAuth);
    await moduleRef.close();
  });

  it('keeps the unnamed registration the default: injectable by class and by token, beside named ones', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({ apiKey: US_KEY, baseUrl: us.url, cache: false }),
        OpenCxModule.forRoot({ name: 'eu', apiKey: EU_KEY, baseUrl: eu.url, cache: false }),
      ],
      providers: [DefaultUser],
    }).compile();
    const { byClass, byToken } = moduleRef.get(DefaultUser);
    expect(byClass).toBe(byToken);
    await byClass.authenticateUser({ email: 'default@example.com' });
    expect(us.authenticateRequests()).toHaveLength(1);
    expect(eu.authenticateRequests()).toHaveLength(0);
    await moduleRef.close();
  });

  it('does not export the class from a named registration, so it can never be injected by mistake', async () => {
    const error = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ name: 'eu', apiKey: EU_KEY, baseUrl: eu.url })],
      providers: [WantsClass],
    })
      .compile()
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(/ContactAuthService/);
  });

  it('uses string tokens, one per name', () => {
    expect(getContactAuthToken()).toBe('OpenCxContactAuthService');
    expect(getContactAuthToken('default')).toBe(getContactAuthToken());
    expect(getContactAuthToken('eu')).toBe('OpenCxContactAuthService:eu');
  });

  it.each([[''], ['has space'], ['x'.repeat(65)], [42]])('refuses the name %p, naming the option', (name) => {
    expect(() => OpenCxModule.forRoot({ name: name as string, apiKey: EU_KEY })).toThrow(OpenCxConfigurationError);
    expect(() => getContactAuthToken(name as string)).toThrow(/name must be/);
  });

  it('gives each registration its own HttpService, reachable from the service for interceptors', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({ name: 'eu', apiKey: EU_KEY, baseUrl: eu.url, cache: false }),
        OpenCxModule.forRoot({ name: 'us', apiKey: US_KEY, baseUrl: us.url, cache: false }),
      ],
      providers: [TwoOrganisations],
    }).compile();
    const { eu: euAuth, us: usAuth } = moduleRef.get(TwoOrganisations);
    expect(euAuth.httpService).not.toBe(usAuth.httpService);
    euAuth.httpService.axiosRef.interceptors.request.use((config) => {
      config.headers.set('x-proxy-auth', 'eu-proxy');
      return config;
    });
    await euAuth.authenticateUser({ email: 'a@example.com' });
    await usAuth.authenticateUser({ email: 'b@example.com' });
    expect(eu.authenticateRequests()[0]!.headers['x-proxy-auth']).toBe('eu-proxy');
    expect(us.authenticateRequests()[0]!.headers['x-proxy-auth']).toBeUndefined();
    await moduleRef.close();
  });

  it("app.get(ContactAuthService) returns the unnamed registration's service, never a named one's", async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({ name: 'eu', apiKey: EU_KEY, baseUrl: eu.url }),
        OpenCxModule.forRoot({ apiKey: US_KEY, baseUrl: us.url }),
        OpenCxModule.forRoot({ name: 'zz', apiKey: 'sk_zz_canary_3', baseUrl: eu.url }),
      ],
    }).compile();
    us.reset();
    await moduleRef.get(ContactAuthService, { strict: false }).authenticateUser({ email: 'who@example.com' });
    expect(us.requests).toHaveLength(1);
    await moduleRef.close();
    const namedOnly = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ name: 'eu', apiKey: EU_KEY, baseUrl: eu.url })],
    }).compile();
    expect(() => namedOnly.get(ContactAuthService, { strict: false })).toThrow();
    await namedOnly.close();
  });

  it('says what to do when OpenCxModule is imported without forRoot', async () => {
    const error = await Test.createTestingModule({ imports: [OpenCxModule] })
      .compile()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenCxConfigurationError);
    expect((error as Error).message).toMatch(/OpenCxModule\.forRoot\(\{ apiKey \}\)/);
  });

  it('adds extraProviders to the registration, for an options factory to inject', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRootAsync({
          extraProviders: [{ provide: 'VAULT', useValue: { key: EU_KEY } }],
          inject: ['VAULT'],
          useFactory: (vault: { key: string }) => ({ apiKey: vault.key, baseUrl: eu.url }),
        }),
      ],
    }).compile();
    eu.reset();
    await moduleRef.get(ContactAuthService).authenticateUser({ email: 'vault@example.com' });
    expect(eu.requests[0]!.headers.authorization).toBe(`Bearer ${EU_KEY}`);
    await moduleRef.close();
  });

  describe('rateLimit.group', () => {
    it('counts the keys of one group as one limit: they must count it the same way', async () => {
      const error = await compile(
        { apiKey: EU_KEY, group: 'acme', perMinute: 100 },
        { apiKey: US_KEY, group: 'acme', perMinute: 5 },
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenCxConfigurationError);
      expect((error as Error).message).toMatch(/registrations "eu" and "us" share one OpenCX limit/);
    });

    it('keeps groups apart from each other, and a group apart from an API key spelled like it', async () => {
      for (const [first, second] of [
        [
          { apiKey: EU_KEY, group: 'acme', perMinute: 100 },
          { apiKey: EU_KEY, group: 'globex', perMinute: 5 },
        ],
        [
          { apiKey: EU_KEY, group: US_KEY, perMinute: 100 },
          { apiKey: US_KEY, perMinute: 5 },
        ],
      ] as const) {
        const moduleRef = await compile(first, second);
        expect(moduleRef.get(getContactAuthToken('us'))).toBeInstanceOf(ContactAuthService);
        await moduleRef.close();
      }
    });
  });
});
