import { connect, type Socket } from 'node:net';
import { startSampleApp, type SampleHarness } from '../support/sample-app.js';
import { reportSection } from './report.js';
import { HOOK_TIMEOUT_MS } from '../support/hooks.js';

const row = reportSection(
  '5-slow-clients',
  'Slow and trickling clients',
  'Connections opened against the sample app (MAX_CONNECTIONS 250) that send one header line a second and never finish.',
);

const CONNECTIONS = 300;

describe('the sample app against slow and trickling clients', () => {
  let h: SampleHarness;
  beforeAll(async () => {
    h = await startSampleApp({ MAX_CONNECTIONS: '250' });
  }, HOOK_TIMEOUT_MS);
  afterAll(() => h?.close());

  it(`closes ${CONNECTIONS} connections that trickle their headers, and caps open connections`, async () => {
    const { hostname, port } = new URL(h.url);
    const closedAt: number[] = [];
    const started = Date.now();
    const sockets: Socket[] = [];
    for (let i = 0; i < CONNECTIONS; i++) {
      const socket = connect(Number(port), hostname);
      socket.on('error', () => undefined);
      socket.on('close', () => closedAt.push(Date.now() - started));
      socket.write('POST /v1/contacts/authenticate HTTP/1.1\r\nHost: x\r\n');
      sockets.push(socket);
    }
    // One more header line a second: never idle, never done.
    const trickle = setInterval(() => {
      for (const socket of sockets) if (!socket.destroyed) socket.write(`X-Slow-${Date.now()}: 1\r\n`);
    }, 1_000);
    try {
      const deadline = Date.now() + 25_000;
      while (closedAt.length < CONNECTIONS && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } finally {
      clearInterval(trickle);
      for (const socket of sockets) socket.destroy();
    }
    row({
      case: `${CONNECTIONS} trickling connections`,
      closed: `${closedAt.length} of ${CONNECTIONS}`,
      'refused at once': closedAt.filter((at) => at < 1_000).length,
      'last closed after (ms)': closedAt.length ? Math.max(...closedAt) : '-',
    });
    expect(closedAt).toHaveLength(CONNECTIONS);
    // Past MAX_CONNECTIONS, sockets are refused at once; the rest go at the headers time-out.
    expect(closedAt.filter((at) => at < 1_000).length).toBeGreaterThanOrEqual(CONNECTIONS - 250);
    expect(Math.max(...closedAt)).toBeLessThan(15_000);
    // And the app still answers.
    expect((await fetch(`${h.url}/health`)).status).toBe(200);
  }, 40_000);
});
