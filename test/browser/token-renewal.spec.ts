import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JwtService } from '@nestjs/jwt';
import type { Browser } from 'playwright-core';
import { CANARY, SAMPLE_JWT, sampleEnv, spawnSampleApp, type SampleProcess } from '../support/sample-app.js';
import { describeWithChromium, launchChromium, SCREENSHOT_DIR } from './chromium.js';

const FAKE_CLI = fileURLToPath(new URL('../../libs/opencx/dist/esm/testing/fake-server.cli.js', import.meta.url));
/** Short enough to see a renewal before expiry within the test, long enough for a busy machine. */
const TOKEN_TTL_SECONDS = 8;

/** Resolves with the first capture of `pattern` in the process's output, or rejects when it exits first. */
function waitForLine(lines: string[], exited: Promise<unknown>, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${what} did not start:\n${lines.join('\n')}`)), 15_000);
    const poll = setInterval(() => {
      const match = lines.map((line) => pattern.exec(line)).find(Boolean);
      if (match) done(undefined, match[1]);
    }, 20);
    void exited.then(() => done(new Error(`${what} exited:\n${lines.join('\n')}`)));
    function done(error?: Error, value?: string): void {
      clearInterval(poll);
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(value!);
    }
  });
}

/** The fake OpenCX as a user runs it: its CLI, from the built package, with a short token lifetime. */
function startFakeCli(): { child: ChildProcess; lines: string[]; exited: Promise<unknown> } {
  const child = spawn(
    process.execPath,
    [FAKE_CLI, '--port', '0', '--api-key', CANARY.orgApiKey, '--token-ttl', String(TOKEN_TTL_SECONDS)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  }
  return { child, lines, exited: new Promise((resolve) => child.on('exit', resolve)) };
}

interface Issued {
  token: string;
  expiresAt: string;
  receivedAt: number;
}

describeWithChromium('token renewal')(
  'token renewal page in a real browser (headless Chromium) against the fake CLI',
  () => {
    let fake: ReturnType<typeof startFakeCli> | undefined;
    let app: SampleProcess | undefined;
    let appUrl: string;
    let browser: Browser | undefined;

    beforeAll(async () => {
      if (!existsSync(FAKE_CLI)) throw new Error(`${FAKE_CLI} is missing: run \`npm run build\` first`);
      fake = startFakeCli();
      const fakeUrl = await waitForLine(fake.lines, fake.exited, /listening on (http:\/\/[\d.:]+)/, 'the fake CLI');
      // A generous attempt timeout: a retry on a busy machine would be a fourth call at the fake.
      app = spawnSampleApp(sampleEnv({ url: fakeUrl }, { OPENCX_TIMEOUT_MS: '5000' }));
      appUrl = await waitForLine(app.lines, app.exited, /Listening on (http:\/\/[\d.:[\]]+)/, 'the sample app');
      browser = await launchChromium();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      for (const process of [app, fake]) {
        if (process && process.child.exitCode === null) {
          process.child.kill('SIGTERM');
          await process.exited;
        }
      }
    });

    it('gets a token, shows its expiry, renews it before it expires and again after a 401', async () => {
      const page = await browser!.newPage();
      page.setDefaultTimeout(20_000);
      // Each answer's body is read asynchronously: wait for all of them before looking.
      const answers: Array<Promise<Issued>> = [];
      page.on('response', (response) => {
        if (!response.url().endsWith('/v1/me/opencx-token')) return;
        const receivedAt = Date.now();
        answers.push(response.json().then((body: { token: string; expiresAt: string }) => ({ ...body, receivedAt })));
      });
      const issued = (): Promise<Issued[]> => Promise.all(answers);
      const asked: Array<string | null> = [];
      page.on('request', (sent) => {
        if (sent.url().endsWith('/v1/me/opencx-token')) asked.push(sent.postData());
      });
      const jwt = new JwtService({ secret: CANARY.jwtSecret }).sign(
        { sub: 'user-1', email: CANARY.email, email_verified: true, name: 'Canary Person' },
        { expiresIn: '5m', issuer: SAMPLE_JWT.issuer, audience: SAMPLE_JWT.audience },
      );
      await page.goto(`${appUrl}/renewal#jwt=${jwt}`);
      // Selectors, not evaluated functions: the page's Content-Security-Policy (helmet's) forbids eval.
      await page.locator('#log li').first().waitFor();
      // The JWT leaves the address bar once read.
      expect(page.url()).toBe(`${appUrl}/renewal`);
      const first = (await issued())[0]!;
      expect(first.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(Date.parse(first.expiresAt) - first.receivedAt).toBeLessThanOrEqual(TOKEN_TTL_SECONDS * 1000);
      expect(await page.locator('#expires').innerText()).toBe(first.expiresAt);

      // Renewed by the page's own timer, before the first token expired.
      await page.locator('body[data-renewals="1"]').waitFor({ timeout: TOKEN_TTL_SECONDS * 1000 + 10_000 });
      const second = (await issued())[1]!;
      expect(second.token).not.toBe(first.token);
      expect(second.receivedAt).toBeLessThan(Date.parse(first.expiresAt));
      expect(await page.locator('#expires').innerText()).toBe(second.expiresAt);

      // A 401 from the widget: renewed at once, long before the current token's expiry.
      const clicked = Date.now();
      await page.locator('#simulate-401').click();
      await page.locator('body[data-renewals="2"]').waitFor();
      // (Within the second of the last renewal, the fake mints the very same JWT: what is checked is the new call.)
      const third = (await issued())[2]!;
      expect(third.receivedAt).toBeGreaterThanOrEqual(clicked);
      expect(third.receivedAt).toBeLessThan(Date.parse(second.expiresAt));
      expect(await page.locator('#log').innerText()).toContain('renewed after a 401');
      // After the 401 the page asks for a token the backend's cache did not keep.
      expect(asked).toEqual(['{}', '{}', '{"refresh":true}']);

      // The fake saw exactly these three calls, one log line each.
      const minted = fake!.lines.filter((line) => / POST \/widget\/authenticate-user 200 \d+ ms$/.test(line));
      expect(minted).toHaveLength(3);
      expect(fake!.lines.join('\n')).not.toContain(CANARY.email);

      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: `${SCREENSHOT_DIR}token-renewal.png`, fullPage: true });
    }, 60_000);
  },
);
