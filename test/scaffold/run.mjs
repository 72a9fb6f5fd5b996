// Scaffold suite: what a new user does on the first day, checked. For each Nest CLI (12: ESM,
// vitest, nodenext; 11: CommonJS, jest, eslint) it creates a fresh app with `nest new`, installs the
// packed tarball with the README's own Install line, writes the README's Quick start blocks (the
// code under each `<!-- quick-start: path -->` marker) into the app, and runs the app's own type
// check, lint (after its own formatter, no warning allowed), unit tests and e2e tests. Then it
// bundles the app as teams ship one file (11: `nest build --webpack` with NestJS's single-bundle
// webpack configuration; 12: esbuild, the ESM app and a CommonJS consumer), with neither `redis`
// nor `@opentelemetry/api` installed or marked external, and runs each bundle alone in an empty
// folder against the fake OpenCX. Needs the npm registry. Prints "N passed, M failed".
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
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

// The fake OpenCX the bundles call, from the library this suite packed.
const { createOpenCxFakeServer } = await import(join(root, 'libs/opencx/dist/esm/testing/index.js'));
const API_KEY = 'sk_scaffold_bundle_key';

/** NestJS's documented webpack configuration for one bundle with every dependency in it (its serverless recipe). */
const WEBPACK_CONFIG = `module.exports = (options, webpack) => {
  const lazyImports = ['@nestjs/microservices/microservices-module', '@nestjs/websockets/socket-module'];
  return {
    ...options,
    externals: [],
    output: { ...options.output, libraryTarget: 'commonjs2' },
    plugins: [
      ...options.plugins,
      new webpack.IgnorePlugin({
        checkResource(resource) {
          if (lazyImports.includes(resource)) {
            try {
              require.resolve(resource);
            } catch (err) {
              return true;
            }
          }
          return false;
        },
      }),
    ],
  };
};
`;

/** What a Nest app that is not a microservice, websocket or Fastify app leaves out of an esbuild bundle: Nest's own optional packages. */
const NEST_OPTIONAL = ['@nestjs/microservices', '@nestjs/websockets', '@fastify/static'].map(
  (name) => `--external:${name}`,
);
const ESBUILD = ['esbuild', '--bundle', '--platform=node', '--log-level=error', ...NEST_OPTIONAL];

/** A CommonJS Nest 12 app's use of the package (`require`, so the package's CommonJS build). */
const COMMONJS_CONSUMER = `require('reflect-metadata');
const { Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { ContactAuthService, OpenCxModule } = require('nestjs-opencx');

class AppModule {}
Module({ imports: [OpenCxModule.forRoot({ apiKey: process.env.OPENCX_API_KEY, baseUrl: process.env.OPENCX_BASE_URL })] })(AppModule);

NestFactory.createApplicationContext(AppModule, { logger: false }).then(async (app) => {
  const { token } = await app.get(ContactAuthService).authenticateUser({ email: 'bundle@example.com' });
  console.log(JSON.stringify({ token }));
  await app.close();
});
`;

const scaffolds = [
  {
    name: '@nestjs/cli 12 (ESM, vitest, oxlint; esbuild bundles)',
    cli: '@nestjs/cli@12',
    major: 12,
    esm: true,
    lint: [['npm', ['run', 'lint', '--', '--deny-warnings']]],
    bundle: bundleWithEsbuild,
  },
  {
    name: '@nestjs/cli 11 (CommonJS, jest, eslint; webpack bundle)',
    cli: '@nestjs/cli@11',
    major: 11,
    esm: false,
    lint: [
      ['npm', ['run', 'format']],
      ['npx', ['eslint', '{src,apps,libs,test}/**/*.ts', '--max-warnings', '0']],
    ],
    bundle: bundleWithWebpack,
  },
];

/** A port free on 127.0.0.1 now, for a bundled app to listen on. */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The optional peers must be absent: a bundle that still needs them is what this checks. */
function assertNoOptionalPeers(dir) {
  for (const peer of ['redis', '@opentelemetry/api']) {
    if (existsSync(join(dir, 'node_modules', peer))) throw new Error(`${peer} is installed in ${dir}`);
  }
}

/** Copies `file` alone into an empty folder (no node_modules: everything must be in it) and returns its path there. */
function alone(file, work, name) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const target = join(dir, file.split('/').pop());
  copyFileSync(file, target);
  return target;
}

/** Runs the bundled Quick start app against the fake: a token, and a rate limit's 503 with Retry-After. */
async function serveBundle(bundle) {
  const fake = await createOpenCxFakeServer({ apiKey: API_KEY });
  const port = await freePort();
  const child = spawn(process.execPath, [bundle], {
    cwd: dirname(bundle),
    env: { PATH: process.env.PATH ?? '', OPENCX_API_KEY: API_KEY, OPENCX_BASE_URL: fake.url, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const post = (email = 'bundle@example.com') =>
    fetch(`http://127.0.0.1:${port}/chat/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
  try {
    let response;
    for (const until = Date.now() + 30_000; !response && Date.now() < until;) {
      if (child.exitCode !== null) break;
      response = await post().catch(() => new Promise((resolve) => setTimeout(resolve, 200)));
    }
    if (!response) throw new Error(`the bundle did not answer:\n${output}`);
    const body = await response.json();
    if (response.status !== 201 || typeof body.token !== 'string') {
      throw new Error(`the bundle answered ${response.status} ${JSON.stringify(body)}:\n${output}`);
    }
    fake.failNext(1, 429, { retryAfter: 120 });
    // Another user: the first one's token is cached.
    const limited = await post('limited@example.com');
    if (limited.status !== 503 || limited.headers.get('retry-after') !== '120') {
      throw new Error(`a rate limit answered ${limited.status}, Retry-After ${limited.headers.get('retry-after')}`);
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
    await fake.close();
  }
}

/** Nest 11: `nest build --webpack` with every dependency bundled, run alone. */
async function bundleWithWebpack(dir, work) {
  assertNoOptionalPeers(dir);
  writeFileSync(join(dir, 'webpack.config.js'), WEBPACK_CONFIG);
  await run(dir, 'npx', ['nest', 'build', '--webpack']);
  await serveBundle(alone(join(dir, 'dist/main.js'), work, 'webpack11'));
}

/** Nest 12: esbuild bundles of the app (ESM) and of a CommonJS consumer, each run alone. */
async function bundleWithEsbuild(dir, work) {
  await run(dir, 'npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--save-dev', 'esbuild']);
  assertNoOptionalPeers(dir);
  await run(dir, 'npm', ['run', 'build']);
  // An ESM bundle gives the CommonJS packages inside it a require of their own.
  const banner =
    "--banner:js=import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);";
  await run(dir, 'npx', [...ESBUILD, 'dist/main.js', '--format=esm', '--outfile=bundle/main.mjs', banner]);
  await serveBundle(alone(join(dir, 'bundle/main.mjs'), work, 'esbuild12'));
  writeFileSync(join(dir, 'consumer.cjs'), COMMONJS_CONSUMER);
  // A CommonJS bundle gives the ESM packages inside it their import.meta.url.
  const meta = [
    '--define:import.meta.url=bundleUrl',
    "--banner:js=const bundleUrl = require('node:url').pathToFileURL(__filename).href;",
  ];
  await run(dir, 'npx', [...ESBUILD, 'consumer.cjs', '--format=cjs', '--outfile=bundle/consumer.cjs', ...meta]);
  const consumer = alone(join(dir, 'bundle/consumer.cjs'), work, 'esbuild12-cjs');
  const fake = await createOpenCxFakeServer({ apiKey: API_KEY });
  try {
    const env = { ...process.env, OPENCX_API_KEY: API_KEY, OPENCX_BASE_URL: fake.url };
    const printed = await execFileAsync(process.execPath, [consumer], { cwd: dirname(consumer), env, timeout: 60_000 });
    if (typeof JSON.parse(printed.stdout.trim().split('\n').pop()).token !== 'string') {
      throw new Error(`the CommonJS bundle printed ${printed.stdout}`);
    }
  } finally {
    await fake.close();
  }
}

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
  for (const [command, args] of scaffold.lint) await run(dir, command, args);
  await run(dir, 'npm', ['test']);
  // The scaffold's own test and the Quick start's two: all three must have run.
  const e2e = await run(dir, 'npm', ['run', 'test:e2e']);
  const ran = Number(/Tests:?\s+(\d+) passed/.exec(e2e)?.[1] ?? 0);
  if (ran < 3) throw new Error(`the e2e suite ran ${ran} tests, expected 3:\n${e2e}`);
  await scaffold.bundle(dir, work);
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
