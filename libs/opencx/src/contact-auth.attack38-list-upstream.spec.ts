import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Test, type TestingModule } from '@nestjs/testing';
import { ContactAuthService } from './contact-auth.service.js';
import { OpenCxInvalidResponseError, OpenCxTimeoutError } from './errors/opencx.errors.js';
import { OpenCxModule } from './opencx.module.js';

// Breaks (attack38) of listContacts against an upstream of our own on 127.0.0.1.

const ID = '00000000-0000-4000-8000-000000000001';
const contact = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: ID,
  email: null,
  phone_number: null,
  name: null,
  custom_data: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  ...extra,
});

describe('listContacts against a hostile upstream', () => {
  let server: Server;
  let moduleRef: TestingModule;
  let service: ContactAuthService;
  let answer: (cursor: number) => unknown = () => ({ items: [], next: null });

  beforeAll(async () => {
    server = createServer((req, res) => {
      const cursor = Number(new URL(req.url!, 'http://x').searchParams.get('cursor') ?? '0');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer(cursor)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({
          apiKey: 'sk_attack38_list_upstream_3f',
          baseUrl: `http://127.0.0.1:${port}`,
          rateLimit: false,
          retryDelay: 1,
          maxRetryDelay: 5,
        }),
      ],
    }).compile();
    moduleRef.useLogger(false);
    service = moduleRef.get(ContactAuthService);
  });
  afterAll(async () => {
    await moduleRef.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('a listed contact whose times are not ISO 8601 times ("1", "March 7") is an invalid page, not a typed item', async () => {
    answer = () => ({ items: [contact({ created_at: '1', updated_at: 'March 7' })], next: null });
    const taken: unknown[] = [];
    const error = await (async () => {
      for await (const item of service.listContacts()) taken.push(item);
    })().catch((e: unknown) => e);
    // Actual: the item is yielded with created_at "1" and updated_at "March 7" (Date.parse takes them).
    expect(taken).toEqual([]);
    expect(error).toBeInstanceOf(OpenCxInvalidResponseError);
  });

  it('totalTimeout ends an iteration whose upstream pages for ever with empty pages and fresh cursors', async () => {
    answer = (cursor) => ({ items: [], next: String(cursor + 1) });
    // Only to stop the test: the library should have ended the iteration long before.
    const backstop = AbortSignal.timeout(4_000);
    const started = Date.now();
    const error = await (async () => {
      // The loop body never runs: there is nothing to break out of.
      for await (const _ of service.listContacts(undefined, { totalTimeout: 300, signal: backstop })) void _;
    })().catch((e: unknown) => e);
    // Actual: hundreds of requests, never a yield, ended only by the backstop signal (OpenCxAbortError).
    expect(error).toBeInstanceOf(OpenCxTimeoutError);
    expect(Date.now() - started).toBeLessThan(3_000);
  }, 10_000);
});
