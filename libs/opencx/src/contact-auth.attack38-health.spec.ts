import { OpenCxAuthenticationError } from './errors/opencx.errors.js';
import { useOpenCxHarness } from '../test/opencx-harness.js';

// Break (attack38): "404s and other answers to these calls never change health". A key without the
// contacts scope (OpenCX has contacts:read / contacts:write beside widget scopes) gets a 403 from
// DELETE /contacts/{id}; the health check then reports the key refused and the pod down, although
// authenticate-user (what readiness is about: serving contact tokens) works with the same key.

const API_KEY = 'sk_attack38_health_2c9e';

describe('a 403 from a contacts call and the health check', () => {
  const h = useOpenCxHarness({ apiKey: API_KEY, cache: false, retryDelay: 1, maxRetryDelay: 5 }, {});

  it.each([
    ['DELETE /contacts/{id}', 'delete'],
    ['GET /contacts', 'list'],
  ] as const)('a 403 of %s leaves health as authenticate-user proved it', async (route, call) => {
    const service = await h.boot();
    const { contact } = await service.authenticateUser({ email: 'scoped.canary@example.com' });
    await expect(service.checkHealth()).resolves.toMatchObject({ status: 'up', apiKey: 'accepted' });
    h.fake.route(route as never).failNext(1, 403);
    const attempt = call === 'delete' ? service.deleteContact(contact!.id) : service.listContactsPage({});
    await expect(attempt).rejects.toBeInstanceOf(OpenCxAuthenticationError);
    // Actual: { status: 'down', apiKey: 'refused', httpStatus: 403 } from the contacts call's answer.
    const health = await service.checkHealth();
    // authenticate-user still works with this key (the pod can serve contact tokens).
    await expect(service.authenticateUser({ email: 'scoped.canary@example.com' })).resolves.toHaveProperty('token');
    expect(health).toMatchObject({ status: 'up', apiKey: 'accepted' });
  });
});
