import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Test, type TestingModule } from '@nestjs/testing';
import { ContactAuthService } from './contact-auth.service.js';
import { OpenCxModule } from './opencx.module.js';

// Break (attack38): OpenCX's contact id is a UUID, "either case" by the library's own rule. When
// authenticate-user answers the id in upper case, updateContact (which lower-cases the id) does not
// find the contact's note, and the token minted for the old profile is still served from the cache.

const API_KEY = 'sk_attack38_case_77ab';
const EMAIL = 'case.canary@example.com';
const ID = '5F0C2B7A-9D1E-4C3B-8A2F-1E2D3C4B5A69';

describe('updateContact after authenticate-user answered an upper-case contact id', () => {
  let server: Server;
  let moduleRef: TestingModule;
  let minted = 0;
  const methods: string[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        methods.push(`${req.method} ${req.url}`);
        res.setHeader('content-type', 'application/json');
        if (req.method === 'POST') {
          minted += 1;
          res.end(JSON.stringify({ token: `token-${minted}`, contact: { id: ID } }));
        } else res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await moduleRef?.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('evicts the cached token whatever the case of the id', async () => {
    const { port } = server.address() as AddressInfo;
    moduleRef = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ apiKey: API_KEY, baseUrl: `http://127.0.0.1:${port}`, rateLimit: false })],
    }).compile();
    moduleRef.useLogger(false);
    const service = moduleRef.get(ContactAuthService);
    const first = await service.authenticateUser({ email: EMAIL, name: 'Before' });
    expect(first.token).toBe('token-1');
    // The id exactly as authenticateUser returned it.
    await service.updateContact(first.contact!.id, { name: 'After' });
    const again = await service.authenticateUser({ email: EMAIL, name: 'Before' });
    // Actual: 'token-1' from the cache, no new POST sent.
    expect(again.token).toBe('token-2');
  });
});
