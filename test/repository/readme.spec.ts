import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { OpenCxModule } from 'nestjs-opencx';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** The targets of a markdown file's links, code blocks left out. */
const linksOf = (markdown: string): string[] =>
  [...markdown.replace(/```[\s\S]*?```/g, '').matchAll(/\]\(([^)\s]+)\)/g)].map(([, target]) => target!);

describe('what a new user reads first', () => {
  it.each(['README.md', 'CONTRIBUTING.md'])(
    '%s links to the repository’s own files relatively, and each exists',
    (file) => {
      const links = linksOf(read(file));
      expect(links.filter((link) => /github\.com\/nestjs-opencx\/nestjs-opencx\/(blob|tree)\//.test(link))).toEqual([]);
      const relative = links.filter((link) => !/^[a-z]+:/.test(link) && !link.startsWith('#'));
      const missing = relative.filter((link) => !existsSync(join(root, dirname(file), link.split('#')[0]!)));
      expect(missing).toEqual([]);
    },
  );

  it('says the tarball lands where `npm run pack:lib` writes it', () => {
    expect(read('scripts/pack-lib.mjs')).toContain("const dist = join(root, 'dist');");
    expect(read('README.md')).toMatch(/lands in\s+`dist\/`/);
    expect(read('README.md')).not.toMatch(/lands in\s+`libs\/opencx\/`/);
    expect(read('CONTRIBUTING.md')).not.toMatch(/the tarball into `libs\/opencx\/`/);
  });

  it('says what format expiresAt has', () => {
    expect(read('README.md')).toMatch(/`expiresAt` says when(?: it expires)?, as an ISO 8601 string[\s\S]{0,80}`null`/);
  });

  it('names the fake server’s type', () => {
    expect(read('README.md')).toContain('`OpenCxFakeServer`');
  });

  it('has the section the duplicate-registration error points to, with a wrapper module that exports OpenCxModule', async () => {
    @Module({ imports: [OpenCxModule.forRoot({ apiKey: 'k' })] })
    class FeatureA {}
    @Module({ imports: [OpenCxModule.forRoot({ apiKey: 'k' })] })
    class FeatureB {}
    const moduleRef = await Test.createTestingModule({ imports: [FeatureA, FeatureB] }).compile();
    const error = await moduleRef.init().then(
      () => undefined,
      (thrown: unknown) => thrown as Error,
    );
    await moduleRef.close();
    const section = /README, "([^"]+)"/.exec(error?.message ?? '')?.[1];
    expect(section).toBeDefined();
    const readme = read('README.md');
    const body = readme.slice(readme.indexOf(`## ${section}`));
    expect(readme).toContain(`## ${section}\n`);
    expect(body.slice(0, body.indexOf('\n## ', 3))).toContain('exports: [OpenCxModule]');
  });
});
