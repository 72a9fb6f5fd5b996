import { startFakeCli } from './fake-cli.js';
import type { OpenCxFakeServer } from './fake-server.interface.js';

// Break (promise 7: no API key or name in any log line). `npx nestjs-opencx-fake --api-key KEY`
// logs one line per request and shows any "plain" path ([\w./-]) as received. A path that the
// fake does not serve but that carries the API key (a baseUrl built with the key, a mistaken
// `/contacts/${apiKey}`) or a contact's name or email local part (`GET /contacts/jane.doe`, a
// route the fake does not have, so the UUID rule of PATCH/DELETE does not apply) lands in the log.

const KEY = 'sk_test_Attack37CliKey_42';

describe('attack37: the fake CLI log line of an unserved path', () => {
  let fake: OpenCxFakeServer | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('never shows the configured API key or a contact identifier', async () => {
    const log: string[] = [];
    const started = await startFakeCli(['--port', '0', '--api-key', KEY], { log: (l) => log.push(l), error: () => {} });
    fake = (started as { fake: OpenCxFakeServer }).fake;
    const headers = { authorization: `Bearer ${KEY}` };
    await fetch(`${fake.url}/contacts/${KEY}`, { headers });
    await fetch(`${fake.url}/${KEY}/widget/authenticate-user`, { method: 'POST', headers });
    await fetch(`${fake.url}/contacts/jane.doe`, { headers });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const lines = log.slice(2).join('\n');
    expect(lines).not.toContain(KEY);
    expect(lines).not.toContain('jane.doe');
  });
});
