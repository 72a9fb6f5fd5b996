import { Test } from '@nestjs/testing';
import { ContactAuthService } from './contact-auth.service.js';
import { OpenCxModule } from './opencx.module.js';
import { createOpenCxFakeServer, type OpenCxFakeServer } from './testing/index.js';

// Break (promise 7): no name in any error, in any form. Servers commonly echo a person's name
// reordered ("Garcia, Maria") or split into its parts (first_name / last_name). The scrubber
// looks for the name whole or for 8-character pieces of it, which neither form contains: the
// full name reaches the error's message and body.

const KEY = 'sk_attack37_names';

describe('attack37: an upstream error echoing the name reordered or split into parts', () => {
  let fake: OpenCxFakeServer;
  let service: ContactAuthService;
  let close: () => Promise<void>;
  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: KEY });
    const moduleRef = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ apiKey: KEY, baseUrl: fake.url, maxRetries: 0, cache: false })],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    service = app.get(ContactAuthService);
    close = () => app.close();
  });
  afterAll(async () => {
    await close();
    await fake.close();
  });

  it.each([
    ['"Last, First"', 'contact Garcia, Maria already exists'],
    ['upper-case surname first', 'contact GARCIA Maria already exists'],
    ['first and last name fields', 'first_name=Maria last_name=Garcia'],
  ])('redacts the name echoed as %s', async (_label, echoed) => {
    fake.failNext(1, 400, { body: { message: echoed } });
    const error = (await service
      .authenticateUser({ email: 'maria@example.com', name: 'Maria Garcia' })
      .catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('OpenCxApiError');
    const text = [error.message, error.stack, JSON.stringify(error)].join('\n').toLowerCase();
    expect(text).not.toContain('garcia');
    expect(text).not.toContain('maria');
  });
});
