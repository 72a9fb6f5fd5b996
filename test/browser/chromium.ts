import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { adopt } from '../support/processes.mjs';

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

/**
 * Headless Chromium with nothing of its own on the network. Started as a browser server so that its
 * process can be adopted: it then dies with the suite however the suite ends, SIGKILL included.
 * `close()` stops the browser and waits for its process to exit.
 */
export async function launchChromium(): Promise<Browser> {
  const server = await chromium.launchServer({
    executablePath: CHROMIUM,
    headless: true,
    host: '127.0.0.1',
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
  adopt(server.process(), 'chromium');
  const browser = await chromium.connect(server.wsEndpoint()).catch(async (error: unknown) => {
    await server.kill();
    throw error;
  });
  // A connected browser's own close() only disconnects: the server's stops the process.
  const disconnect = browser.close.bind(browser);
  browser.close = async (options) => {
    await disconnect(options);
    await server.close();
  };
  return browser;
}
