import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Test, type TestingModule } from '@nestjs/testing';
import { ContactAuthService } from './contact-auth.service.js';
import { OpenCxModule } from './opencx.module.js';

// Break (attack38): authenticate-user's `contact` is optional (docs/opencx-api.md: older renders of
// OpenCX's reference show only `token`; the library accepts any 2xx without it). Then no contact-id
// note is kept, and updateContact (or deleteContact) of that contact evicts nothing: the token
// minted for the old profile is still served from the cache, and nothing says so.

const API_KEY = 'sk_attack38_no_contact_19c3';
const EMAIL = 'no.contact@example.com';
const ID = '5f0c2b7a-9d1e-4c3b-8a2f-1e2d3c4b5a69';

describe('updateContact after authenticate-user answered no contact (only its token, as older renders of the reference show)', () => {
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
          res.end(JSON.stringify({ token: `token-${minted}` }));
        } else res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await moduleRef?.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('evicts the cached token of the contact it updated', async () => {
    const { port } = server.address() as AddressInfo;
    moduleRef = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ apiKey: API_KEY, baseUrl: `http://127.0.0.1:${port}`, rateLimit: false })],
    }).compile();
    moduleRef.useLogger(false);
    const service = moduleRef.get(ContactAuthService);
    const first = await service.authenticateUser({ email: EMAIL, name: 'Before' });
    expect(first.token).toBe('token-1');
    // The contact's id, known to the caller (e.g. from listContacts).
    await service.updateContact(ID, { name: 'After' });
    const again = await service.authenticateUser({ email: EMAIL, name: 'Before' });
    // Actual: 'token-1' from the cache, no new POST sent.
    expect(again.token).toBe('token-2');
  });
});
