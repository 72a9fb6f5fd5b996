import request from 'supertest';
import { CANARY, startSampleApp, type SampleHarness } from '../support/sample-app.js';

// Break (attack38): a caller's cursor that OpenCX does not recognise (a forged or mistyped one;
// the fake answers 400 "cursor is not a cursor this server gave") comes back from the sample's
// GET /v1/contacts as 502 "OpenCX is unavailable": bad input reported as an outage, no field named.

const key = (req: request.Test): request.Test => req.set('x-api-key', CANARY.serviceKey);

describe('sample app: GET /v1/contacts with a cursor OpenCX refuses', () => {
  let h: SampleHarness;
  beforeAll(async () => {
    h = await startSampleApp();
  }, 20_000);
  beforeEach(() => h.fake.reset());
  afterAll(() => h?.close());

  it('answers 400 naming cursor, not 502 "OpenCX is unavailable"', async () => {
    const response = await key(request(h.url).get('/v1/contacts?cursor=zzz'));
    expect(h.fake.requests.at(-1)).toMatchObject({ method: 'GET', path: '/contacts' });
    // Actual: 502 { message: 'OpenCX is unavailable', error: 'Bad Gateway' }.
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toContain('cursor');
  });
});
