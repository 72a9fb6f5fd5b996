// Scaffold suite: what a new user does on the first day, checked. For each Nest CLI (12: ESM,
// vitest, nodenext; 11: CommonJS, jest, eslint) it creates a fresh app with `nest new`, installs the
// packed tarball with the README's own Install line, writes the README's Quick start blocks (the
// code under each `<!-- quick-start: path -->` marker) into the app, and runs the app's own type
// check, lint, unit tests and e2e tests. Needs the npm registry. Prints "N passed, M failed".
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { version } = JSON.parse(readFileSync(join(root, 'libs/opencx/package.json'), 'utf8'));
const tarball = join(root, `dist/nestjs-opencx-${version}.tgz`);
if (!existsSync(tarball)) throw new Error(`${tarball} is missing: run \`npm run pack:lib\` first`);
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The Quick start's files: each marker names a path, the code fence after it is the content. */
function quickStartBlocks() {
  const blocks = [...readme.matchAll(/<!-- quick-start: (\S+) -->\s*```ts\n([\s\S]*?)```/g)].map(([, path, code]) => ({
    path,
    code,
  }));
  if (blocks.length < 4) throw new Error(`the README has ${blocks.length} quick-start blocks, expected 4`);
  return blocks;
}

/** The README's install command for a NestJS major, with the package replaced by the tarball. */
function installLine(major) {
  const match = new RegExp(`# NestJS ${major}[^\\n]*\\n(npm install [^\\n]+)`).exec(readme);
  if (!match) throw new Error(`the README has no install line for NestJS ${major}`);
  return match[1]
    .split(/\s+/)
    .slice(2)
    .map((arg) => (arg === 'nestjs-opencx' ? tarball : arg));
}

/** ESM apps (nodenext) need `.js` on relative imports, as the README says. */
const withJsExtensions = (code) => code.replace(/from '(\.{1,2}\/[^']+)'/g, "from '$1.js'");

const execFileAsync = promisify(execFile);
/** Runs a command, its stdin closed; its stdout and stderr together, or an error carrying them. */
async function run(cwd, command, args) {
  const running = execFileAsync(command, args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    timeout: 600_000,
  });
  running.child.stdin?.end();
  try {
    const { stdout, stderr } = await running;
    return `${stdout}${stderr}`;
  } catch (error) {
    throw Object.assign(new Error(`${command} ${args.join(' ')} failed`), {
      stdout: `${error.stdout ?? ''}${error.stderr ?? ''}`,
    });
  }
}

const scaffolds = [
  { name: '@nestjs/cli 12 (ESM, vitest, oxlint)', cli: '@nestjs/cli@12', major: 12, esm: true },
  { name: '@nestjs/cli 11 (CommonJS, jest, eslint)', cli: '@nestjs/cli@11', major: 11, esm: false },
];

/** One scaffold: a new app, the package installed the README's way, its Quick start passing the app's own checks. */
async function check(scaffold, work) {
  const dir = join(work, `app${scaffold.major}`);
  await run(work, 'npx', ['-y', scaffold.cli, 'new', `app${scaffold.major}`, '--package-manager', 'npm', '--skip-git']);
  const npm = ['--no-audit', '--no-fund', '--loglevel=error'];
  await run(dir, 'npm', ['install', ...npm, ...installLine(scaffold.major)]);
  for (const { path, code } of quickStartBlocks()) {
    writeFileSync(join(dir, path), scaffold.esm ? withJsExtensions(code) : code);
  }
  await run(dir, 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
  await run(dir, 'npm', ['run', 'lint']);
  await run(dir, 'npm', ['test']);
  // The scaffold's own test and the Quick start's two: all three must have run.
  const e2e = await run(dir, 'npm', ['run', 'test:e2e']);
  const ran = Number(/Tests:?\s+(\d+) passed/.exec(e2e)?.[1] ?? 0);
  if (ran < 3) throw new Error(`the e2e suite ran ${ran} tests, expected 3:\n${e2e}`);
}

// The two scaffolds are independent apps: both at once, each reported when it ends.
const work = mkdtempSync(join(tmpdir(), 'nestjs-opencx-scaffold-'));
const results = await Promise.all(
  scaffolds.map(async (scaffold) => {
    const started = Date.now();
    try {
      await check(scaffold, work);
      console.log(`ok   ${scaffold.name} (${Math.round((Date.now() - started) / 1000)} s)`);
      return true;
    } catch (error) {
      const detail = [error.message, error.stdout].filter(Boolean).join('\n').slice(-4000);
      console.log(`FAIL ${scaffold.name}\n${detail}`);
      return false;
    }
  }),
);
rmSync(work, { recursive: true, force: true });
const passed = results.filter(Boolean).length;
console.log(`scaffold: ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
