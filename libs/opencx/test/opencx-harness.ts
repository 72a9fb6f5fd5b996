import { Test, type TestingModule } from '@nestjs/testing';
import { ContactAuthService } from '../src/contact-auth.service.js';
import { OpenCxModule } from '../src/opencx.module.js';
import type { OpenCxModuleOptions } from '../src/opencx.options.js';
import { getContactAuthToken } from '../src/opencx.tokens.js';
import { createOpenCxFakeServer, type OpenCxFakeServer, type OpenCxFakeServerOptions } from '../src/testing/index.js';

/** A fake OpenCX and the registration under test, shared by the library's service specs. */
export interface OpenCxHarness {
  /** The fake OpenCX (reset before each test). */
  readonly fake: OpenCxFakeServer;
  /** The service of the last `boot`. */
  readonly service: ContactAuthService;
  readonly moduleRef: TestingModule;
  /** (Re)starts the registration with the suite's defaults plus `options`, against the fake. */
  boot(options?: Partial<OpenCxModuleOptions> & { name?: string }): Promise<ContactAuthService>;
  /** Replaces the fake with one started with `options` (for token lifetimes, key checks). */
  restartFake(options: OpenCxFakeServerOptions): Promise<void>;
}

/**
 * Registers jest hooks for one suite: a fake OpenCX for the whole suite, reset before each test,
 * and the module closed after each. `defaults` are the suite's module options.
 */
export function useOpenCxHarness(
  defaults: Partial<OpenCxModuleOptions> & { apiKey: string },
  fakeOptions: OpenCxFakeServerOptions = { apiKey: defaults.apiKey },
): OpenCxHarness {
  let fake: OpenCxFakeServer | undefined;
  let moduleRef: TestingModule | undefined;
  let service: ContactAuthService | undefined;
  const closeModule = async (): Promise<void> => {
    await moduleRef?.close();
    moduleRef = undefined;
  };
  beforeAll(async () => {
    fake = await createOpenCxFakeServer(fakeOptions);
  }, 30_000);
  beforeEach(() => fake!.reset());
  afterEach(closeModule);
  afterAll(async () => {
    await closeModule();
    await fake?.close();
  });
  return {
    get fake() {
      return fake!;
    },
    get service() {
      return service!;
    },
    get moduleRef() {
      return moduleRef!;
    },
    async boot(options = {}) {
      await closeModule();
      const { name, ...rest } = options;
      moduleRef = await Test.createTestingModule({
        imports: [OpenCxModule.forRoot({ baseUrl: fake!.url, ...defaults, ...rest, ...(name ? { name } : {}) })],
      }).compile();
      // Quiet: a spec that expects a log line spies on Logger.prototype, which still sees it.
      moduleRef.useLogger(false);
      service = moduleRef.get<ContactAuthService>(getContactAuthToken(name));
      return service;
    },
    async restartFake(options) {
      await fake?.close();
      fake = await createOpenCxFakeServer(options);
    },
  };
}
