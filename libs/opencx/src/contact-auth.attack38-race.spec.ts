import { useOpenCxHarness } from '../test/opencx-harness.js';

// Break (attack38): a token whose authenticate-user was in flight while updateContact ran is
// cached after updateContact resolved, and no later updateContact or deleteContact evicts it.

const API_KEY = 'sk_attack38_race_5d1f';
const EMAIL = 'race.canary@example.com';

describe('updateContact racing a first authenticateUser of the same contact', () => {
  const h = useOpenCxHarness({ apiKey: API_KEY, retryDelay: 1, maxRetryDelay: 5, rateLimit: false }, {});

  it('a token minted before the PATCH is not served from cache after updateContact and deleteContact', async () => {
    const service = await h.boot();
    // The contact exists at OpenCX (created earlier, e.g. by another instance); this instance has no token for it yet.
    const { id } = h.fake.addContact({ email: EMAIL, name: 'Before' }, API_KEY);
    // The first authenticate-user is slow; the update lands while it is in flight.
    h.fake.delayNext(1, 400);
    const first = service.authenticateUser({ email: EMAIL, name: 'Before' });
    first.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await service.updateContact(id, { name: 'After' });
    const { token: stale } = await first;
    // updateContact resolved: the contact's tokens are said to be gone across the fleet.
    await service.updateContact(id, { name: 'After again' });
    await expect(service.deleteContact(id)).resolves.toEqual({ deleted: true });
    // The contact is deleted at OpenCX; its token must not be served from the cache.
    const sentBefore = h.fake.requests.length;
    const again = await service.authenticateUser({ email: EMAIL, name: 'Before' });
    // Actual: answered from the cache with the token minted before the PATCH, nothing sent.
    expect(h.fake.requests.slice(sentBefore).map((r) => r.method)).toEqual(['POST']);
    expect(again.token).toBeDefined();
    expect(stale).toBeDefined();
  });
});
