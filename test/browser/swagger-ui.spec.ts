import { existsSync, mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { CANARY, startSampleApp, type SampleHarness } from '../support/sample-app.js';
import { describeWithChromium, launchChromium, SCREENSHOT_DIR } from './chromium.js';
import { HOOK_TIMEOUT_MS } from '../support/hooks.js';

describeWithChromium('Swagger UI')('Swagger UI in a real browser (headless Chromium)', () => {
  let harness: SampleHarness;
  let browser: Browser;

  beforeAll(async () => {
    harness = await startSampleApp();
    browser = await launchChromium();
  }, HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('authorises with the API key and gets a 201 with a token from "Try it out"', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${harness.url}/docs`);
    await page
      .getByRole('button', { name: /Authorize/ })
      .first()
      .click();
    const dialog = page.locator('.modal-ux');
    await dialog.locator('input[type="text"]').first().fill(CANARY.serviceKey);
    // Swagger UI's own classes: the dialog's buttons carry aria-labels, not their visible text.
    await dialog.locator('button.modal-btn.auth.authorize').first().click();
    await dialog.locator('button.btn-done').first().click();

    const operation = page.locator('#operations-contacts-authenticateContact');
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.getByRole('button', { name: 'Execute' }).click();

    const row = operation.locator('.live-responses-table tr.response').first();
    await row.waitFor({ timeout: 15_000 });
    expect((await row.locator('.response-col_status').innerText()).trim()).toBe('201');
    const body = await row.locator('.response-col_description pre').first().innerText();
    // Swagger's example body asks for mcp_access, so the token lasts an hour and says until when.
    expect(JSON.parse(body)).toEqual({
      token: expect.any(String),
      contact: { id: expect.any(String) },
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(harness.fake.requests).toHaveLength(1);

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOT_DIR}swagger-try-it-out.png`, fullPage: true });
    expect(existsSync(`${SCREENSHOT_DIR}swagger-try-it-out.png`)).toBe(true);
  }, 60_000);
});
