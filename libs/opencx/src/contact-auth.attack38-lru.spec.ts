import { useOpenCxHarness } from '../test/opencx-harness.js';

// Break (attack38): the contact-id notes that updateContact and deleteContact evict by share the
// memory store's LRU with the tokens, but a cache hit refreshes only the token. A contact used often
// keeps its token while its note ages out; updateContact then evicts nothing, and the token minted
// for the old profile is still served. (maxEntries 4 to show it in four contacts; at the default of
// 100000 it is the busiest contacts whose notes age out first.)

const API_KEY = 'sk_attack38_lru_41d2';

describe('updateContact of a busy contact in a full memory cache', () => {
  const h = useOpenCxHarness({ apiKey: API_KEY, retryDelay: 1, maxRetryDelay: 5, rateLimit: false }, {});

  it("evicts the contact's cached token even when the cache is full", async () => {
    const service = await h.boot({ cache: { maxEntries: 4 } });
    const busy = await service.authenticateUser({ email: 'busy@example.com', name: 'Before' });
    await service.authenticateUser({ email: 'other1@example.com' });
    // The busy contact is used again: a cache hit.
    const hits = h.fake.requests.length;
    await expect(service.authenticateUser({ email: 'busy@example.com', name: 'Before' })).resolves.toEqual(busy);
    expect(h.fake.requests.length).toBe(hits);
    await service.authenticateUser({ email: 'other2@example.com' });
    await service.updateContact(busy.contact!.id, { name: 'After' });
    const sentBefore = h.fake.requests.length;
    await service.authenticateUser({ email: 'busy@example.com', name: 'Before' });
    // Actual: nothing sent, the token minted before updateContact comes from the cache.
    expect(h.fake.requests.length).toBe(sentBefore + 1);
  });
});
