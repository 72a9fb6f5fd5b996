import { Test } from '@nestjs/testing';
import { ContactAuthService } from './contact-auth.service.js';
import { OpenCxModule } from './opencx.module.js';
import { MemoryFleetStore } from './store/memory-fleet-store.js';
import type { OpenCxReservation } from './store/opencx-fleet-store.interface.js';
import { createOpenCxFakeServer, type OpenCxFakeServer } from './testing/index.js';

// Break (promise 1): readiness says `up`/`down` from OpenCX, and `fleet: 'degraded'` when the shared
// store fails. A store of the team's own (`store: …`, documented) whose back end stops answering
// (a client without a timeout) makes calls fail over within their deadline, but checkHealth()
// awaits the store's reserve/pausedFor with no time limit: the readiness request hangs until the
// kubelet gives up, which takes the pod out of rotation while OpenCX is fine.

const KEY = 'sk_attack37_hang';

/** A shared store whose back end went silent: every booking and pause look-up waits forever. */
class SilentStore extends MemoryFleetStore {
  silent = false;
  override reserve(...args: Parameters<MemoryFleetStore['reserve']>): Promise<OpenCxReservation> {
    return this.silent ? new Promise(() => undefined) : super.reserve(...args);
  }
  override pausedFor(key: string): Promise<number> {
    return this.silent ? new Promise(() => undefined) : super.pausedFor(key);
  }
}

describe('attack37: checkHealth with a custom shared store that stopped answering', () => {
  let fake: OpenCxFakeServer;
  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: KEY });
  });
  afterAll(() => fake.close());

  it('answers within the registration timeout', async () => {
    const store = new SilentStore();
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({ apiKey: KEY, baseUrl: fake.url, store, timeout: 1_000, healthCheckInterval: 1 }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const service = app.get(ContactAuthService);
      store.silent = true;
      const answer = await Promise.race([
        service.checkHealth(),
        new Promise<'no answer'>((resolve) => setTimeout(() => resolve('no answer'), 8_000)),
      ]);
      expect(answer).not.toBe('no answer');
    } finally {
      await app.close();
    }
  }, 15_000);
});
