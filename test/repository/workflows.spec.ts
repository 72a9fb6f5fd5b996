import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), 'utf8');
const yamlFiles = (dir: string): string[] =>
  readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.ya?ml$/.test(file))
    .map((file) => join(dir, file));

interface Workflow {
  on: unknown;
  jobs: Record<
    string,
    {
      'runs-on': string;
      strategy?: { matrix?: { node?: number[] } };
      steps: Array<{ run?: string; uses?: string; with?: Record<string, string> }>;
    }
  >;
  permissions?: Record<string, string>;
}

/** `npm ...` commands in the order a workflow job or .ci/run runs them: arguments, redirections and `&` left off. */
const npmCommands = (lines: string[]): string[] =>
  lines
    .map((line) => line.trim().replace(/^background /, ''))
    .filter((line) => /^npm (ci|test|run )/.test(line))
    .map((line) => line.split(/ -- | >| &/)[0]!);

describe('repository files that cannot run here', () => {
  it.each(yamlFiles('.github'))('%s is valid YAML', (file) => {
    expect(() => parse(read(file), { strict: true, uniqueKeys: true })).not.toThrow();
  });

  it('CI mirrors .ci/run: the same suites, Node 20, 22, 24 and 26, chromium and redis-server installed', () => {
    const ci = parse(read('.github/workflows/ci.yml')) as Workflow;
    const full = ci.jobs.full!;
    const steps = full.steps.map((step) => step.run ?? '');
    expect(steps.join('\n')).toMatch(/apt-get install -y chromium redis-server/);
    const local = read('.ci/run').split('\n');
    const localFull = npmCommands(
      local.slice(
        0,
        local.findIndex((line) => line.startsWith('echo "== Node')),
      ),
    );
    expect(npmCommands(steps)).toEqual(localFull);
    expect(full.steps.find((step) => step.uses?.startsWith('actions/setup-node'))?.with?.['node-version']).toBe(20);
    expect(ci.jobs.node!.strategy?.matrix?.node).toEqual([22, 24, 26]);
    expect(npmCommands(ci.jobs.node!.steps.map((step) => step.run ?? ''))).toEqual([
      'npm ci',
      'npm test',
      'npm run test:packaging',
    ]);
  });

  it('the release workflow publishes the package with npm provenance', () => {
    const release = parse(read('.github/workflows/release.yml')) as Workflow;
    expect(release.permissions?.['id-token']).toBe('write');
    const publish = release.jobs.release!.steps.find((step) => step.uses?.startsWith('changesets/action'));
    expect(publish?.with?.publish).toContain('--provenance');
  });

  it('has the files of a published package', () => {
    for (const file of [
      'CONTRIBUTING.md',
      'SECURITY.md',
      'LICENSE',
      'libs/opencx/CHANGELOG.md',
      '.changeset/config.json',
    ]) {
      expect(read(file).length).toBeGreaterThan(100);
    }
    expect(yamlFiles('.github/ISSUE_TEMPLATE').length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(read('.changeset/config.json'))).toMatchObject({ baseBranch: 'main', access: 'public' });
  });
});
