import { Test } from '@nestjs/testing';
import { ContactAuthService } from './contact-auth.service.js';
import { OpenCxModule } from './opencx.module.js';
import { createOpenCxFakeServer, type OpenCxFakeServer } from './testing/index.js';

// Break (promise 7): no name (or other personal value) in any error, in any form. A name typed on
// macOS/iOS often arrives decomposed (NFD: "e" + U+0301); a server that normalises to NFC (or the
// other way round) echoes it in the other form, and the scrubber, which compares code units,
// lets the whole name through into the error's message and body.

const KEY = 'sk_attack37_nfc';

describe('attack37: an upstream error echoing the name in the other Unicode normal form', () => {
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

  const sent = 'Zoë Renée Åström';
  it.each([
    ['sent NFD, echoed NFC', sent.normalize('NFD'), sent.normalize('NFC')],
    ['sent NFC, echoed NFD', sent.normalize('NFC'), sent.normalize('NFD')],
  ])('redacts the name: %s', async (_label, name, echoed) => {
    fake.failNext(1, 400, { body: { message: `name ${echoed} is taken` } });
    const error = (await service
      .authenticateUser({ email: 'zoe@example.com', name })
      .catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('OpenCxApiError');
    const text = [error.message, error.stack, JSON.stringify(error)].join('\n').normalize('NFC');
    for (const part of ['Renée', 'Åström']) expect(text).not.toContain(part.normalize('NFC'));
  });
});
