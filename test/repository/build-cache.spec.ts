import { jest } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildUnlessUnchanged, root } from '../../scripts/build-cache.mjs';

describe('a build skipped when its inputs are unchanged (scripts/build-cache.mjs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opencx-build-cache-'));
  const name = `spec-${process.pid}`;
  const input = relative(root, join(dir, 'in'));
  const output = relative(root, join(dir, 'out.txt'));
  let builds = 0;
  const build = () => {
    builds++;
    writeFileSync(join(dir, 'out.txt'), 'built');
  };
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);

  beforeAll(() => {
    writeFileSync(join(dir, 'in'), 'one');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(root, `node_modules/.cache/nestjs-opencx/${name}.sha256`), { force: true });
    log.mockRestore();
  });

  it('builds the first time, then not again while the inputs and outputs stay', () => {
    buildUnlessUnchanged(name, { inputs: [input], outputs: [output] }, build);
    buildUnlessUnchanged(name, { inputs: [input], outputs: [output] }, build);
    expect(builds).toBe(1);
    expect(log).toHaveBeenLastCalledWith(`${name}: inputs unchanged since the last build, not built again`);
  });

  it('builds again when an input changes, and when an output is gone', () => {
    writeFileSync(join(dir, 'in'), 'two');
    buildUnlessUnchanged(name, { inputs: [input], outputs: [output] }, build);
    expect(builds).toBe(2);
    rmSync(join(dir, 'out.txt'));
    buildUnlessUnchanged(name, { inputs: [input], outputs: [output] }, build);
    expect(builds).toBe(3);
    expect(existsSync(join(dir, 'out.txt'))).toBe(true);
  });

  it('a failed build leaves no fingerprint: the next run builds', () => {
    writeFileSync(join(dir, 'in'), 'three');
    expect(() =>
      buildUnlessUnchanged(name, { inputs: [input], outputs: [output] }, () => {
        throw new Error('tsc failed');
      }),
    ).toThrow('tsc failed');
    buildUnlessUnchanged(name, { inputs: [input], outputs: [output] }, build);
    expect(builds).toBe(4);
  });
});
