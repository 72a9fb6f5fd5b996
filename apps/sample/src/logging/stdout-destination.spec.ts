import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { asyncStdout } from './stdout-destination.js';

describe('asyncStdout', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sample-log-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes every line, whole and in order, when lines arrive faster than writes finish', async () => {
    const file = join(dir, 'out.log');
    const fd = openSync(file, 'w');
    const destination = asyncStdout(fd);
    const expected = Array.from({ length: 5_000 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(i % 97)}"}`);
    for (const line of expected) destination.write(`${line}\n`);
    for (let waited = 0; waited < 5_000; waited += 20) {
      if (readFileSync(file, 'utf8').split('\n').length > expected.length) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(readFileSync(file, 'utf8')).toBe(`${expected.join('\n')}\n`);
    closeSync(fd);
  });

  it('flushSync writes everything still buffered before it returns (what shutdown relies on)', () => {
    const file = join(dir, 'flush.log');
    const fd = openSync(file, 'w');
    const destination = asyncStdout(fd);
    const expected = Array.from({ length: 2_000 }, (_, i) => `line ${i}`);
    for (const line of expected) destination.write(`${line}\n`);
    destination.flushSync();
    expect(readFileSync(file, 'utf8')).toBe(`${expected.join('\n')}\n`);
    closeSync(fd);
  });

  it('reports a failing output once on stderr instead of crashing the server', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    // A descriptor open for reading only: every write to it fails (EBADF), as a vanished stdout would.
    const file = join(dir, 'read-only.log');
    closeSync(openSync(file, 'w'));
    const fd = openSync(file, 'r');
    const destination = asyncStdout(fd);
    destination.write('first\n');
    destination.write('second\n');
    for (let waited = 0; waited < 2_000 && stderr.mock.calls.length === 0; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stderr.mock.calls.map(([text]) => String(text))).toEqual(['log output: write failed (EBADF)\n']);
    closeSync(fd);
  });
});
