import { useOpenCxHarness } from '../test/opencx-harness.js';

// Break (attack38): the contact-id index keeps one cache entry per contact. A contact whose email
// changed at OpenCX outside this library (the dashboard, another service) has two cached tokens,
// one under each email; deleteContact (and updateContact) evict only the one noted last, and the
// deleted contact's token is still served from the cache for the old email.

const API_KEY = 'sk_attack38_two_entries_6a1d';
const OLD = 'old.address@example.com';
const NEW = 'new.address@example.com';

describe('deleteContact of a contact cached under two emails', () => {
  const h = useOpenCxHarness({ apiKey: API_KEY, retryDelay: 1, maxRetryDelay: 5, rateLimit: false }, {});

  it('no token of the deleted contact is served from the cache afterwards', async () => {
    const service = await h.boot();
    const first = await service.authenticateUser({ email: OLD });
    const id = first.contact!.id;
    // The email changes at OpenCX without this library (a raw PATCH, as OpenCX's dashboard would).
    const patched = await fetch(`${h.fake.url}/contacts/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ contact: { email: NEW } }),
    });
    expect(patched.ok).toBe(true);
    const second = await service.authenticateUser({ email: NEW });
    expect(second.contact!.id).toBe(id);
    await expect(service.deleteContact(id)).resolves.toEqual({ deleted: true });
    const sentBefore = h.fake.requests.length;
    await service.authenticateUser({ email: OLD });
    // Actual: nothing sent, the deleted contact's token for OLD answered from the cache.
    expect(h.fake.requests.length).toBe(sentBefore + 1);
  });
});
