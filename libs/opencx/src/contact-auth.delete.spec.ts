import { randomUUID } from 'node:crypto';
import { OpenCxTimeoutError, OpenCxValidationError } from './errors/opencx.errors.js';
import { useOpenCxHarness } from '../test/opencx-harness.js';

const API_KEY = 'sk_delete_canary_5c1d';
const EMAIL = 'delete.canary@example.com';
const NEW_EMAIL = 'moved.canary@example.com';

/** The error a promise rejects with. */
const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('resolved');
    },
    (error: unknown) => error,
  );

describe('ContactAuthService.deleteContact against the fake OpenCX server', () => {
  const h = useOpenCxHarness({ apiKey: API_KEY, retryDelay: 1, maxRetryDelay: 5, rateLimit: false });

  it('deletes the contact at OpenCX, which then refuses its tokens, evicts its cached token, and says so', async () => {
    const service = await h.boot();
    const issued = await service.authenticateUser({ email: EMAIL });
    expect(h.fake.tokenAccepted(issued.token)).toBe(true);
    await expect(service.deleteContact(issued.contact!.id)).resolves.toEqual({ deleted: true });
    const request = h.fake.requests.at(-1)!;
    expect([request.method, request.path, request.headers.authorization]).toEqual([
      'DELETE',
      `/contacts/${issued.contact!.id}`,
      `Bearer ${API_KEY}`,
    ]);
    expect(h.fake.tokenAccepted(issued.token)).toBe(false);
    // Not answered from the cache: a new contact, a new token.
    const again = await service.authenticateUser({ email: EMAIL });
    expect(again.contact!.id).not.toBe(issued.contact!.id);
    expect(h.fake.requests).toHaveLength(3);
  });

  it('evicts every cached token of the contact, one under each email it was signed in with', async () => {
    const service = await h.boot();
    const first = await service.authenticateUser({ email: EMAIL });
    const id = first.contact!.id;
    // The email changes at OpenCX without this library (OpenCX's dashboard, another service).
    const patched = await fetch(`${h.fake.url}/contacts/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ contact: { email: NEW_EMAIL } }),
    });
    expect(patched.ok).toBe(true);
    expect((await service.authenticateUser({ email: NEW_EMAIL })).contact!.id).toBe(id);
    await expect(service.deleteContact(id)).resolves.toEqual({ deleted: true });
    const sentBefore = h.fake.requests.length;
    const again = await service.authenticateUser({ email: EMAIL });
    expect(h.fake.requests.length).toBe(sentBefore + 1);
    expect(again.token).not.toBe(first.token);
  });

  it('evicts the cached tokens when it fails in a way OpenCX may have acted on (a time-out)', async () => {
    const service = await h.boot();
    const { contact } = await service.authenticateUser({ email: EMAIL });
    // OpenCX deletes the contact, but answers after the call's time limit.
    h.fake.route('DELETE /contacts/{id}').delayNext(1, 600);
    await expect(service.deleteContact(contact!.id, { timeout: 200, maxRetries: 0 })).rejects.toBeInstanceOf(
      OpenCxTimeoutError,
    );
    const sentBefore = h.fake.requests.length;
    await service.authenticateUser({ email: EMAIL });
    // Asked again, not answered from the cache (OpenCX answers once its late deletion lands).
    expect(h.fake.requests.length).toBe(sentBefore + 1);
  });

  it('resolves { deleted: false } when OpenCX does not know the contact (404), so a mistyped id is told apart', async () => {
    const service = await h.boot();
    const { contact } = await service.authenticateUser({ email: EMAIL });
    await expect(service.deleteContact(contact!.id)).resolves.toEqual({ deleted: true });
    await expect(service.deleteContact(contact!.id)).resolves.toEqual({ deleted: false });
    await expect(service.deleteContact(randomUUID())).resolves.toEqual({ deleted: false });
    expect(h.fake.requests.map((r) => r.method)).toEqual(['POST', 'DELETE', 'DELETE', 'DELETE']);
  });

  it("leaves health as it was after a 404 or a 500: that call's outcome", async () => {
    const service = await h.boot({ maxRetries: 0, healthCheckInterval: 60_000 });
    await service.authenticateUser({ email: EMAIL });
    await expect(service.deleteContact(randomUUID())).resolves.toEqual({ deleted: false });
    await expect(service.checkHealth()).resolves.toMatchObject({ status: 'up', apiKey: 'accepted', httpStatus: 200 });
    h.fake.failNext(1, 500);
    const error = await rejection(service.deleteContact(randomUUID()));
    expect(error).toMatchObject({ upstreamStatus: 500 });
    await expect(service.checkHealth()).resolves.toMatchObject({ status: 'up', apiKey: 'accepted', httpStatus: 200 });
    expect(h.fake.requests).toHaveLength(3);
  });

  it('retries like authenticateUser (a DELETE is idempotent)', async () => {
    const service = await h.boot({ cache: false });
    const { contact } = await service.authenticateUser({ email: EMAIL });
    h.fake.reset();
    h.fake.addContact({ id: contact!.id, email: EMAIL });
    h.fake.failNext(1, 503);
    await expect(service.deleteContact(contact!.id)).resolves.toEqual({ deleted: true });
    expect(h.fake.requests.map((r) => r.method)).toEqual(['DELETE', 'DELETE']);
  });

  it('sends an upper-case UUID in lower case (UUIDs are case-blind), and evicts the cached token by it', async () => {
    const service = await h.boot();
    const issued = await service.authenticateUser({ email: EMAIL });
    await expect(service.deleteContact(issued.contact!.id.toUpperCase())).resolves.toEqual({ deleted: true });
    expect(h.fake.requests.at(-1)!.path).toBe(`/contacts/${issued.contact!.id}`);
    await service.authenticateUser({ email: EMAIL });
    expect(h.fake.requests).toHaveLength(3);
  });

  // OpenCX's contact ids are UUIDs: anything else is not an id, and is never sent. Among them the
  // ids that once reached other paths: `.` and `..` were sent as DELETE /contacts/ and DELETE /.
  it.each([
    ['a dot', '.'],
    ['two dots', '..'],
    ['a path that climbs', 'a/..'],
    ['escaped dots', '%2e%2e'],
    ['an escaped slash', `${randomUUID()}%2F`],
    ['a UUID and a path', `${randomUUID()}/../x`],
    ['an empty id', ''],
    ['an id with a space', 'a b'],
    ['a UUID with a space around it', ` ${randomUUID()}`],
    ['a UUID without its dashes', randomUUID().replaceAll('-', '')],
    ['a UUID in braces', `{${randomUUID()}}`],
    ['an id with a non-ASCII letter', 'contäct'],
    ['an id with a control character', 'id\n'],
    ['a number', 42],
    ['null', null],
  ])('refuses %s as the contactId field, sending nothing', async (_label, contactId) => {
    const service = await h.boot();
    const error = await rejection(service.deleteContact(contactId as string));
    expect(error).toBeInstanceOf(OpenCxValidationError);
    expect((error as OpenCxValidationError).errors).toEqual([
      { field: 'contactId', messages: ['contactId must be a contact id (a UUID, as OpenCX issues them)'] },
    ]);
    expect(h.fake.requests).toHaveLength(0);
  });
});
