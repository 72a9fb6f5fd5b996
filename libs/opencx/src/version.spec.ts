import { readFileSync } from 'node:fs';
import { VERSION } from './version.js';

describe('VERSION', () => {
  it('equals the version in libs/opencx/package.json, the one place it is set', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
