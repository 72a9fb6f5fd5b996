import { FAKE_CLI_USAGE, requestLine, startFakeCli } from './fake-cli.js';
import { FAKE_ROUTES } from './fake-routes.js';
import type { OpenCxFakeServer } from './fake-server.interface.js';

function capture(): { log: string[]; error: string[]; output: { log(line: string): void; error(line: string): void } } {
  const log: string[] = [];
  const error: string[] = [];
  return { log, error, output: { log: (line) => log.push(line), error: (line) => error.push(line) } };
}

describe('the fake CLI', () => {
  let fake: OpenCxFakeServer | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('lists every route and every option in --help, and exits 0', async () => {
    const { log, output } = capture();
    expect(await startFakeCli(['--help'], output)).toEqual({ exitCode: 0 });
    expect(log).toEqual([FAKE_CLI_USAGE]);
    expect(Object.keys(FAKE_ROUTES)).toEqual([
      'POST /widget/authenticate-user',
      'PATCH /contacts/{id}',
      'GET /contacts',
      'DELETE /contacts/{id}',
    ]);
    for (const route of Object.keys(FAKE_ROUTES)) expect(FAKE_CLI_USAGE).toContain(route);
    for (const option of ['--port', '--api-key', '--token-ttl', '--status', '--rate-limit', '--page-size', '--latency'])
      expect(FAKE_CLI_USAGE).toContain(option);
  });

  it.each([
    [['--port', 'x']],
    [['--rate-limit', '-1']],
    [['--page-size', '0']],
    [['--token-ttl', '1.5']],
    [['--nope']],
  ])('refuses %j with the usage and exit code 2', async (args) => {
    const { error, output } = capture();
    expect(await startFakeCli(args, output)).toEqual({ exitCode: 2 });
    expect(error[0]).toContain('Usage: nestjs-opencx-fake');
  });

  it('logs one line per request by route pattern, survives a malformed contact id, and never logs an id or a query', async () => {
    const { log, output } = capture();
    const started = await startFakeCli(['--port', '0', '--api-key', 'sk_cli', '--token-ttl', '5'], output);
    fake = (started as { fake: OpenCxFakeServer }).fake;
    expect(log[0]).toBe(`Fake OpenCX listening on ${fake.url}`);
    const headers = { authorization: 'Bearer sk_cli', 'content-type': 'application/json' };
    const minted = await fetch(`${fake.url}/widget/authenticate-user`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ email: 'jane@example.com' }),
    });
    const { token, contact } = (await minted.json()) as { token: string; contact: { id: string } };
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
      iat: number;
      exp: number;
    };
    expect(claims.exp - claims.iat).toBe(5);
    expect((await fetch(`${fake.url}/contacts/%E0%A4%A`, { method: 'DELETE', headers })).status).toBe(400);
    expect((await fetch(`${fake.url}/contacts/jane%40example.com`, { method: 'DELETE', headers })).status).toBe(404);
    expect((await fetch(`${fake.url}/contacts/${contact.id}`, { method: 'DELETE', headers })).status).toBe(200);
    expect((await fetch(`${fake.url}/contacts?created_after=2026-01-01`, { headers })).status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
    const lines = log.slice(2);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z POST \/widget\/authenticate-user 200 \d+ ms$/);
    expect(lines[1]).toMatch(/Z DELETE \/contacts\/\{id\} 400 \d+ ms$/);
    expect(lines[2]).toMatch(/Z DELETE \/contacts\/\{id\} 404 \d+ ms$/);
    expect(lines[3]).toMatch(/Z DELETE \/contacts\/\{id\} 200 \d+ ms$/);
    expect(lines[4]).toMatch(/Z GET \/contacts 200 \d+ ms$/);
    expect(log.join('\n')).not.toMatch(/jane|example\.com|sk_cli|created_after|2026-01-01/);
    expect(log.join('\n')).not.toContain(contact.id);
  });

  it('logs the route pattern of a path it does not serve, never its segments: not the API key, not a name', async () => {
    const key = 'sk_test_CliKeyInPath_42';
    const { log, output } = capture();
    const started = await startFakeCli(['--port', '0', '--api-key', key], output);
    fake = (started as { fake: OpenCxFakeServer }).fake;
    const headers = { authorization: `Bearer ${key}` };
    // A key put in the path by mistake, and a contact's name where a route the fake lacks takes an id.
    expect((await fetch(`${fake.url}/contacts/${key}`, { headers })).status).toBe(404);
    expect((await fetch(`${fake.url}/${key}/widget/authenticate-user`, { method: 'POST', headers })).status).toBe(404);
    expect((await fetch(`${fake.url}/contacts/jane.doe?email=jane.doe`, { headers })).status).toBe(404);
    await new Promise((resolve) => setImmediate(resolve));
    const lines = log.slice(2);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/Z GET \(unknown route\) 404 \d+ ms$/);
    expect(lines[1]).toMatch(/Z POST \(unknown route\) 404 \d+ ms$/);
    expect(lines[2]).toMatch(/Z GET \(unknown route\) 404 \d+ ms$/);
    expect(lines.join('\n')).not.toMatch(/CliKeyInPath|jane|doe/);
  });

  it('says when a request got no answer, and shows a route by its pattern and a method only when plain', () => {
    const event = { method: 'POST', route: undefined, path: '/a b/%0Aforged', status: undefined, durationMs: 1.4 };
    expect(requestLine(event, new Date(0))).toBe('1970-01-01T00:00:00.000Z POST (unknown route) no answer 1 ms');
    expect(requestLine({ ...event, method: 'GET\nX', path: '/docs' }, new Date(0))).toBe(
      '1970-01-01T00:00:00.000Z (method withheld) (unknown route) no answer 1 ms',
    );
    const known = {
      ...event,
      method: 'PATCH',
      route: 'PATCH /contacts/{id}' as const,
      path: '/contacts/x',
      status: 200,
    };
    expect(requestLine(known, new Date(0))).toBe('1970-01-01T00:00:00.000Z PATCH /contacts/{id} 200 1 ms');
  });

  it('exits 1 with one line when the port is taken', async () => {
    const first = capture();
    fake = ((await startFakeCli(['--port', '0'], first.output)) as { fake: OpenCxFakeServer }).fake;
    const second = capture();
    expect(await startFakeCli(['--port', String(fake.port)], second.output)).toEqual({ exitCode: 1 });
    expect(second.error).toEqual([`Cannot listen on 127.0.0.1:${fake.port} (EADDRINUSE)`]);
  });
});
