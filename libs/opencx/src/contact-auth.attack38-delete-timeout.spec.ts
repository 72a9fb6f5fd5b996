import { OpenCxTimeoutError } from './errors/opencx.errors.js';
import { useOpenCxHarness } from '../test/opencx-harness.js';

// Break (attack38): updateContact evicts the contact's tokens after a failure OpenCX may have acted
// on (a time-out); deleteContact does not. A DELETE that OpenCX carries out but answers too late
// leaves the deleted contact's token in the cache, served to the next authenticateUser.

const API_KEY = 'sk_attack38_delete_timeout_0e';
const EMAIL = 'slow.delete@example.com';

describe('deleteContact that times out after OpenCX deleted the contact', () => {
  const h = useOpenCxHarness({ apiKey: API_KEY, retryDelay: 1, maxRetryDelay: 5, rateLimit: false }, {});

  it("the deleted contact's token is not served from the cache afterwards", async () => {
    const service = await h.boot();
    const { contact } = await service.authenticateUser({ email: EMAIL });
    // OpenCX deletes the contact, but answers after the call's time limit.
    h.fake.route('DELETE /contacts/{id}').delayNext(1, 600);
    await expect(service.deleteContact(contact!.id, { timeout: 200, maxRetries: 0 })).rejects.toBeInstanceOf(
      OpenCxTimeoutError,
    );
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(h.fake.contacts(API_KEY)).toEqual([]);
    const sentBefore = h.fake.requests.length;
    await service.authenticateUser({ email: EMAIL });
    // Actual: nothing sent; the deleted contact's token comes from the cache (OpenCX refuses it).
    expect(h.fake.requests.length).toBe(sentBefore + 1);
  });
});
