import { mkdirSync } from 'node:fs';
import { JwtService } from '@nestjs/jwt';
import type { Browser } from 'playwright-core';
import { spawnFakeCli, waitForLine, type FakeCliProcess } from '../support/fake-cli.js';
import { CANARY, SAMPLE_JWT, sampleEnv, spawnSampleApp, type SampleProcess } from '../support/sample-app.js';
import { describeWithChromium, launchChromium, SCREENSHOT_DIR } from './chromium.js';
import { HOOK_TIMEOUT_MS } from '../support/hooks.js';

/** Short enough to see a renewal before expiry within the test, long enough for a busy machine. */
const TOKEN_TTL_SECONDS = 8;

/** The fake OpenCX as a user runs it: its CLI, with a short token lifetime. */
const startFakeCli = (): FakeCliProcess =>
  spawnFakeCli(['--port', '0', '--api-key', CANARY.orgApiKey, '--token-ttl', String(TOKEN_TTL_SECONDS)]);

interface Issued {
  token: string;
  expiresAt: string;
  receivedAt: number;
}

describeWithChromium('token renewal')(
  'token renewal page in a real browser (headless Chromium) against the fake CLI',
  () => {
    let fake: FakeCliProcess | undefined;
    let app: SampleProcess | undefined;
    let appUrl: string;
    let browser: Browser | undefined;

    beforeAll(async () => {
      fake = startFakeCli();
      const fakeUrl = await waitForLine(fake.lines, fake.exited, /listening on (http:\/\/[\d.:]+)/, 'the fake CLI');
      // A generous attempt timeout: a retry on a busy machine would be a fourth call at the fake.
      app = spawnSampleApp(sampleEnv({ url: fakeUrl }, { OPENCX_TIMEOUT_MS: '5000' }));
      appUrl = await waitForLine(app.lines, app.exited, /Listening on (http:\/\/[\d.:[\]]+)/, 'the sample app');
      browser = await launchChromium();
    }, HOOK_TIMEOUT_MS);

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
