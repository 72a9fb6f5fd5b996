import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ContactAuthService } from '../contact-auth.service.js';
import { OpenCxAuthenticationError, OpenCxValidationError, createOpenCxApiError } from '../errors/opencx.errors.js';
import { InjectContactAuth } from '../inject-contact-auth.decorator.js';
import { getContactAuthToken } from '../opencx.tokens.js';
import { ContactAuthServiceMock, OpenCxTestingModule, fakeContactId } from './index.js';

/** A consumer's service, written against the real ContactAuthService. */
@Injectable()
class ChatTokens {
  constructor(
    private readonly opencx: ContactAuthService,
    @InjectContactAuth('eu') private readonly eu: ContactAuthService,
  ) {}

  async tokenFor(email: string, region?: 'eu'): Promise<string> {
    const service = region === 'eu' ? this.eu : this.opencx;
    return (await service.authenticateUser({ email, language: 'en' })).token;
  }
}

@Module({ providers: [ChatTokens], exports: [ChatTokens] })
class ChatModule {}

async function compile(...imports: Parameters<typeof OpenCxTestingModule.forRoot>[0][]) {
  return Test.createTestingModule({
    imports: [...imports.map((options) => OpenCxTestingModule.forRoot({ isGlobal: true, ...options })), ChatModule],
  }).compile();
}

describe('OpenCxTestingModule and ContactAuthServiceMock', () => {
  it('provides what OpenCxModule provides, and records evictions', async () => {
    const moduleRef = await compile({}, { name: 'eu' });
    const mock = moduleRef.get(ContactAuthServiceMock);
    expect(moduleRef.get(ContactAuthService)).toBe(mock);
    await moduleRef.get(ContactAuthService).evictContact('gone@example.com');
    expect(mock.evictions).toEqual([{ email: 'gone@example.com', options: {} }]);
  });

  it('replaces OpenCxModule in one line: the default answer is a token for the email’s contact', async () => {
    const moduleRef = await compile({}, { name: 'eu' });
    const token = await moduleRef.get(ChatTokens).tokenFor('mock.user@example.com');
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
      sub: { type: string; payload: { contact: { id: string; verified: boolean } } };
    };
    expect(payload.sub.type).toBe('widget-contact');
    expect(payload.sub.payload.contact).toEqual({ id: fakeContactId('mock.user@example.com'), verified: true });
    const mock = moduleRef.get(ContactAuthServiceMock);
    expect(mock.calls).toEqual([{ input: { email: 'mock.user@example.com', language: 'en' }, options: {} }]);
    expect(moduleRef.get<ContactAuthServiceMock>(getContactAuthToken('eu')).calls).toEqual([]);
  });

  it('answers queued responses in order, then the standing response', async () => {
    const moduleRef = await compile(
      {
        responses: [
          { token: 'first' },
          createOpenCxApiError({ status: 401 }),
          (input) => ({ token: `for:${input.email}` }),
        ],
        response: { token: 'standing', contact: { id: 'ctc_1' } },
      },
      { name: 'eu' },
    );
    const chat = moduleRef.get(ChatTokens);
    await expect(chat.tokenFor('a@example.com')).resolves.toBe('first');
    await expect(chat.tokenFor('b@example.com')).rejects.toBeInstanceOf(OpenCxAuthenticationError);
    await expect(chat.tokenFor('c@example.com')).resolves.toBe('for:c@example.com');
    await expect(chat.tokenFor('d@example.com')).resolves.toBe('standing');
    await expect(chat.tokenFor('e@example.com')).resolves.toBe('standing');
  });

  it('scripts a named registration separately', async () => {
    const moduleRef = await compile({}, { name: 'eu', response: { token: 'eu-token' } });
    await expect(moduleRef.get(ChatTokens).tokenFor('x@example.com', 'eu')).resolves.toBe('eu-token');
    await expect(moduleRef.get(ChatTokens).tokenFor('x@example.com')).resolves.not.toBe('eu-token');
  });

  it('refuses input the real service would refuse, naming the field, and does not record it', async () => {
    const mock = new ContactAuthServiceMock();
    const error = await mock.authenticateUser({ email: 'not-an-email' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenCxValidationError);
    expect((error as OpenCxValidationError).errors.map((e) => e.field)).toEqual(['email']);
    expect(mock.calls).toHaveLength(0);
  });

  it('queues answers at run time and forgets everything on reset', async () => {
    const mock = new ContactAuthServiceMock().respondWith({ token: 'queued' });
    await expect(mock.authenticateUser({ email: 'q@example.com' })).resolves.toMatchObject({ token: 'queued' });
    mock.respondWith({ token: 'dropped' }).reset();
    expect(mock.calls).toHaveLength(0);
    await expect(mock.authenticateUser({ email: 'q@example.com' })).resolves.not.toMatchObject({ token: 'dropped' });
  });

  it('offers an HttpService for interceptors, which never sends anything', async () => {
    const mock = new ContactAuthServiceMock();
    let intercepted = 0;
    mock.httpService.axiosRef.interceptors.request.use((config) => {
      intercepted++;
      return config;
    });
    expect(mock.httpService).toBe(mock.httpService);
    await expect(mock.httpService.axiosRef.get('http://127.0.0.1:1/')).rejects.toThrow(/sends no HTTP requests/);
    expect(intercepted).toBe(1);
  });

  it('reports health as configured', async () => {
    await expect(new ContactAuthServiceMock().checkHealth()).resolves.toMatchObject({ status: 'up' });
    await expect(
      new ContactAuthServiceMock({ health: { status: 'down', reachable: false } }).checkHealth(),
    ).resolves.toMatchObject({ status: 'down', reachable: false });
  });
});
