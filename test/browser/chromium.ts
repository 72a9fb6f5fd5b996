import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium, which the browser suites drive through playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';

/** Where the suites leave their screenshots (git-ignored). */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));

/**
 * `describe` where Chromium is installed. Elsewhere the suite is skipped with a loud line, except in
 * CI, where .ci/run installs chromium and a missing binary is a failure.
 */
export function describeWithChromium(suite: string): jest.Describe {
  if (existsSync(CHROMIUM)) return describe;
  const message = `\n*** SKIPPED: ${suite} browser test: ${CHROMIUM} is missing (apt-get install -y chromium). ***\n`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(message);
  return describe.skip;
}

/** Headless Chromium with nothing of its own on the network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
