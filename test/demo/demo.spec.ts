import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { spawn, stopProcess } from '../support/processes.mjs';

const DEMO = fileURLToPath(new URL('../../scripts/demo.mjs', import.meta.url));

describe('npm run demo', () => {
  it('prints the Swagger URL, an API key and a user JWT that work, and stops cleanly on Ctrl-C', async () => {
    const child = spawn(process.execPath, [DEMO], {
      env: { PATH: process.env.PATH ?? '', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      const deadline = Date.now() + 15_000;
      while (!output.includes('Press Ctrl-C') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

      const docs = /Swagger UI: (http:\/\/127\.0\.0\.1:\d+)\/docs/.exec(output)?.[1];
      const apiKey = /^API key: (\S+)$/m.exec(output)?.[1];
      const jwt = /^User JWT: (\S+)$/m.exec(output)?.[1];
      expect([docs, apiKey, jwt].every(Boolean)).toBe(true);
      expect(output.match(/^curl /gm)).toHaveLength(2);

      const service = await fetch(`${docs}/v1/contacts/authenticate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey! },
        body: JSON.stringify({ email: 'john.doe@example.com' }),
      });
      expect(service.status).toBe(201);
      const me = await fetch(`${docs}/v1/me/opencx-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
        body: JSON.stringify({ language: 'fr' }),
      });
      expect(me.status).toBe(201);
      expect((await fetch(`${docs}/docs`)).status).toBe(200);

      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      // A failed check above leaves the demo running otherwise.
      await stopProcess(child, 0);
    }
  }, 30_000);

  it('says when its port is taken, and which variable picks another', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const child = spawn(process.execPath, [DEMO], {
        env: { PATH: process.env.PATH ?? '', PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(1);
      expect(output).toContain(`Port ${port} is in use`);
      expect(output).toContain('PORT=');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 20_000);
});
