import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countLines, renewed, table, REASONS } from '../../scripts/source-folders.mjs';

describe('scripts/source-folders.mjs', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'source-folders-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('counts lines per top-level folder, specs left out, nested folders with their parent', () => {
    mkdirSync(join(dir, 'cache/deep'), { recursive: true });
    writeFileSync(join(dir, 'index.ts'), 'a\nb\n');
    writeFileSync(join(dir, 'cache/a.ts'), 'a\n');
    writeFileSync(join(dir, 'cache/deep/b.ts'), 'a\nb\nc\n');
    writeFileSync(join(dir, 'cache/a.spec.ts'), 'x\n'.repeat(50));
    expect(countLines(dir)).toEqual([
      { folder: '.', lines: 2, files: 1 },
      { folder: 'cache', lines: 4, files: 2 },
    ]);
  });

  it('names a folder that has no reason', () => {
    const { missing, text } = table([{ folder: 'newthing', lines: 3, files: 1 }], REASONS);
    expect(missing).toEqual(['newthing']);
    expect(text).toContain('| all | 3 | 1 |');
  });

  it('keeps the table in docs/architecture.md current, with a reason for every folder', async () => {
    const { text, missing } = table();
    expect(missing).toEqual([]);
    const doc = readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8');
    expect(await renewed(doc, text)).toBe(doc);
  });
});
