import { OpenCxApiError, OpenCxTimeoutError } from './errors/opencx.errors.js';
import type { OpenCxModuleOptions } from './opencx.options.js';
import { useOpenCxHarness } from '../test/opencx-harness.js';

const API_KEY = 'sk_stack_canary_4';
const EMAIL = 'stack.person@example.com';

/** `file:line` of the line after the one `here` was made on, as a stack prints it. */
function nextLineOf(here: Error): string {
  const found = /contact-auth\.stack\.spec\.ts:(\d+)/.exec(here.stack ?? '');
  return `contact-auth.stack.spec.ts:${Number(found?.[1]) + 1}:`;
}

// An error thrown by the library names the line of the application that made the call, however
// many steps (cache, single-flight, limiter, retries) stand between the two.
describe("ContactAuthService errors carry the caller's line in their stack", () => {
  const h = useOpenCxHarness({ apiKey: API_KEY, retryDelay: 1, maxRetryDelay: 2, maxRetries: 1 });

  it.each<[string, Partial<OpenCxModuleOptions>]>([
    ['with the cache and the limiter', {}],
    ['without the cache', { cache: false }],
    ['without cache or limiter', { cache: false, rateLimit: false }],
  ])('authenticateUser: an OpenCxApiError %s', async (_label, options) => {
    const service = await h.boot(options);
    h.fake.failNext(1, 400);
    const here = new Error(); // The call is on the next line.
    const error = await service.authenticateUser({ email: EMAIL }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenCxApiError);
    expect((error as Error).stack).toContain(nextLineOf(here));
  });

  it('authenticateUser: an OpenCxApiError after a retry', async () => {
    const service = await h.boot();
    h.fake.failNext(2, 503);
    const here = new Error(); // The call is on the next line.
    const error = await service.authenticateUser({ email: EMAIL }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenCxApiError);
    expect((error as Error).stack).toContain(nextLineOf(here));
  });

  it('authenticateUser: an OpenCxTimeoutError at the call deadline', async () => {
    const service = await h.boot({ timeout: 5_000, totalTimeout: 100, rateLimit: false });
    h.fake.hangNext(1);
    const here = new Error(); // The call is on the next line.
    const error = await service.authenticateUser({ email: EMAIL }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenCxTimeoutError);
    expect((error as Error).stack).toContain(nextLineOf(here));
  });

  it('deleteContact: an OpenCxApiError', async () => {
    const service = await h.boot({ maxRetries: 0 });
    h.fake.failNext(1, 500);
    const here = new Error(); // The call is on the next line.
    const error = await service.deleteContact('contact-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenCxApiError);
    expect((error as Error).stack).toContain(nextLineOf(here));
  });
});
