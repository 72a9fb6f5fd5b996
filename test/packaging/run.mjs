// Packaging suite: installs the packed tarball (dist/nestjs-opencx-<version>.tgz) into fixture
// consumer apps in a temporary folder and, in each, type-checks, boots the app, authenticates a
// user against createOpenCxFakeServer, and runs the fixture's own test. Fixture dependencies come
// from the npm registry (npm's cache makes later runs fast). Prints "N passed, M failed".
// `-- --node <dir>` (repeatable) checks each fixture on that Node too (a folder holding its `node`,
// put first on PATH for the fixture's commands): the fixture is installed and compiled once, as
// what npm installs does not depend on the Node that will run it.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { version } = JSON.parse(readFileSync(join(root, 'libs/opencx/package.json'), 'utf8'));
const tarball = join(root, `dist/nestjs-opencx-${version}.tgz`);
if (!existsSync(tarball)) throw new Error(`${tarball} is missing: run \`npm run pack:lib\` first`);

const APP_MODULE = `import { Module } from '@nestjs/common';
import { OpenCxModule } from 'nestjs-opencx';

@Module({
  imports: [
    OpenCxModule.forRootAsync({
      useFactory: () => ({ apiKey: process.env.OPENCX_API_KEY ?? '', baseUrl: process.env.OPENCX_BASE_URL }),
    }),
  ],
})
export class AppModule {}
`;

const CHECK = `import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import {
  ContactAuthService,
  OpenCxModule,
  OpenCxValidationError,
  getContactAuthToken,
  type AuthenticateUserResponseDto,
} from 'nestjs-opencx';
import { OpenCxHealthIndicator } from 'nestjs-opencx/terminus';
import { ContactAuthServiceMock, OpenCxTestingModule, createOpenCxFakeServer } from 'nestjs-opencx/testing';
import { AppModule } from './app.module.js';

export interface CheckResult {
  token: string;
  contactId: string | undefined;
  expectedContactId: string;
  validationIsTyped: boolean;
}

export interface ExtrasResult {
  /** Authorization header each named registration sent, in order eu, us. */
  namedKeys: unknown[];
  /** The testing module's answer, and how many calls its mock recorded. */
  mockedToken: string;
  mockedCalls: number;
  /** Terminus verdicts: the default registration (accepted key) and 'us' (refused key). */
  health: string[];
  /** What start-up says when \`redis\` is a URL and the optional peer is not installed (it is not, here). */
  redisMissing: string;
}

/** Named registrations, the testing module and the terminus indicator, from the installed package. */
export async function extrasOnce(): Promise<ExtrasResult> {
  const fake = await createOpenCxFakeServer({ apiKey: 'eu-key' });
  const moduleRef = await Test.createTestingModule({
    imports: [
      OpenCxModule.forRoot({ apiKey: 'eu-key', baseUrl: fake.url }),
      OpenCxModule.forRoot({ name: 'eu', apiKey: 'eu-key', baseUrl: fake.url }),
      OpenCxModule.forRootAsync({ name: 'us', useFactory: () => ({ apiKey: 'us-key', baseUrl: fake.url }) }),
      TerminusModule,
    ],
    providers: [OpenCxHealthIndicator],
  })
    .setLogger({ log() {}, error() {}, warn() {} })
    .compile();
  const mocked = await Test.createTestingModule({
    imports: [OpenCxTestingModule.forRoot({ responses: [{ token: 'mocked' }] })],
  }).compile();
  try {
    for (const name of ['eu', 'us']) {
      await moduleRef.get<ContactAuthService>(getContactAuthToken(name)).authenticateUser({ email: 'n@example.com' }).catch(() => 0);
    }
    const namedKeys = fake.authenticateRequests().map((request) => request.headers.authorization);
    const indicator = moduleRef.get(OpenCxHealthIndicator);
    const health = [await indicator.isHealthy(), await indicator.isHealthy('us', { name: 'us' })];
    const { token } = await mocked.get(ContactAuthService).authenticateUser({ email: 'mock@example.com' });
    const redisMissing = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ apiKey: 'k', redis: 'redis://127.0.0.1:1' })],
    })
      .compile()
      .then(() => 'started', (error: Error) => error.message);
    return {
      namedKeys,
      mockedToken: token,
      mockedCalls: mocked.get(ContactAuthServiceMock).calls.length,
      health: health.map((result) => Object.values(result)[0]!.status),
      redisMissing,
    };
  } finally {
    await moduleRef.close();
    await mocked.close();
    await fake.close();
  }
}

/** Boots the app against a fake OpenCX and authenticates one user. */
export async function authenticateOnce(): Promise<CheckResult> {
  const fake = await createOpenCxFakeServer({ apiKey: 'fixture-key' });
  process.env.OPENCX_API_KEY = 'fixture-key';
  process.env.OPENCX_BASE_URL = fake.url;
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  try {
    const auth = app.get(ContactAuthService);
    const result: AuthenticateUserResponseDto = await auth.authenticateUser({ email: 'fixture@example.com', language: 'en' });
    const invalid = await auth.authenticateUser({ email: 'not-an-email' }).catch((error: unknown) => error);
    return {
      token: result.token,
      contactId: result.contact?.id,
      expectedContactId: fake.contactIdFor('fixture@example.com'),
      validationIsTyped: invalid instanceof OpenCxValidationError,
    };
  } finally {
    await app.close();
    await fake.close();
  }
}
`;

const MAIN = `import { authenticateOnce } from './check.js';

authenticateOnce().then((result) => {
  console.log(JSON.stringify(result));
  if (!result.token || result.contactId !== result.expectedContactId || !result.validationIsTyped) process.exit(1);
});
`;

const ASSERTIONS = `expect(result.token.split('.')).toHaveLength(3);
    expect(result.contactId).toBe(result.expectedContactId);
    expect(result.validationIsTyped).toBe(true);`;

const EXTRAS_EXPECTED = {
  namedKeys: ['Bearer eu-key', 'Bearer us-key'],
  mockedToken: 'mocked',
  mockedCalls: 1,
  health: ['up', 'down'],
  redisMissing:
    'Invalid OpenCxModule options: redis is a URL, but the optional peer dependency "redis" is not installed: run `npm install redis`',
};
const EXTRAS_JEST = `test('named registrations, the testing module and the terminus indicator work', async () => {
  expect(await extrasOnce()).toEqual(${JSON.stringify(EXTRAS_EXPECTED)});
});`;

const tsconfig = (module, moduleResolution) =>
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module,
      moduleResolution,
      rootDir: 'src',
      outDir: 'dist',
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      esModuleInterop: true,
      skipLibCheck: true,
      types: ['node'],
      ...(moduleResolution === 'node10' ? { ignoreDeprecations: '6.0' } : {}),
    },
    include: ['src'],
  });

const NEST12 = [
  '@nestjs/common@12',
  '@nestjs/core@12',
  '@nestjs/axios@12',
  '@nestjs/swagger@12',
  '@nestjs/terminus@12',
  '@nestjs/testing@12',
];
const NEST11 = [
  '@nestjs/common@11',
  '@nestjs/core@11',
  '@nestjs/axios@4',
  '@nestjs/swagger@11',
  '@nestjs/terminus@11',
  '@nestjs/testing@11',
];
const COMMON = ['axios@1', 'class-validator@0.14', 'class-transformer@0.5', 'reflect-metadata@0.2', 'rxjs@7'];
const TOOLS = ['typescript@6', '@types/node@20'];

/**
 * A CommonJS app tested with jest 30 on the compiled output. For NestJS 12 (ESM only) jest needs
 * `--experimental-vm-modules` to use Node's require(esm), which it supports from Node 24.9.
 */
function jestCommonJs(name, deps, vmModules = false) {
  return {
    name,
    type: 'commonjs',
    deps,
    dev: [...TOOLS, 'jest@30'],
    tsconfig: tsconfig('commonjs', 'node10'),
    test: vmModules
      ? ['node', '--experimental-vm-modules', '--no-warnings', 'node_modules/jest/bin/jest.js', '--ci']
      : ['npx', 'jest', '--ci'],
    files: {
      'test/app.test.js': `const { authenticateOnce, extrasOnce } = require('../dist/check.js');

test('authenticates through the installed package', async () => {
  const result = await authenticateOnce();
  ${ASSERTIONS}
});

${EXTRAS_JEST}
`,
    },
  };
}

const fixtures = [
  {
    name: 'NestJS 12, ESM, vitest',
    type: 'module',
    deps: NEST12,
    dev: [...TOOLS, 'vitest@4'],
    tsconfig: tsconfig('nodenext', 'nodenext'),
    test: ['npx', 'vitest', 'run'],
    files: {
      'test/app.test.mjs': `import { expect, test } from 'vitest';
import { authenticateOnce, extrasOnce } from '../dist/check.js';

test('authenticates through the installed package', async () => {
  const result = await authenticateOnce();
  ${ASSERTIONS}
});

${EXTRAS_JEST}
`,
    },
  },
  {
    name: "NestJS 12, CommonJS (require(esm)), Node's test runner",
    type: 'commonjs',
    deps: NEST12,
    dev: TOOLS,
    tsconfig: tsconfig('commonjs', 'node10'),
    test: ['node', '--test', 'test/app.test.cjs'],
    files: {
      'test/app.test.cjs': `const test = require('node:test');
const assert = require('node:assert/strict');
const { authenticateOnce, extrasOnce } = require('../dist/check.js');

test('authenticates through the installed package', async () => {
  const result = await authenticateOnce();
  assert.equal(result.token.split('.').length, 3);
  assert.equal(result.contactId, result.expectedContactId);
  assert.equal(result.validationIsTyped, true);
});

test('named registrations, the testing module and the terminus indicator work', async () => {
  assert.deepEqual(await extrasOnce(), ${JSON.stringify(EXTRAS_EXPECTED)});
});
`,
    },
  },
  jestCommonJs('NestJS 11, CommonJS, jest', NEST11),
];

// jest's CommonJS mode loads ESM-only NestJS 12 only through Node's require(esm) from 24.9 on.
const requireEsmInJest = (nodeVersion) => {
  const [major, minor] = nodeVersion.split('.').map(Number);
  return major > 24 || (major === 24 && minor >= 9);
};
fixtures.push({ ...jestCommonJs('NestJS 12, CommonJS, jest (Node >= 24.9)', NEST12, true), on: requireEsmInJest });

/** The Nodes to check on: this one, then each `--node <dir>`; `path` is what goes first on PATH. */
const nodes = [{ version: process.versions.node, path: undefined }];
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] !== '--node' || !process.argv[i + 1]) throw new Error('usage: run.mjs [--node <dir>]...');
  const path = process.argv[++i];
  nodes.push({
    version: execFileSync(join(path, 'node'), ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim(),
    path,
  });
}

// The optional peers must never be loaded by the main, testing and redis entry points (@nestjs/terminus only by
// `nestjs-opencx/terminus`, redis only for a `redis` URL): the
// block-peer files make resolving it throw, under require() (CommonJS build) and import (ESM build).
const LOAD_ENTRIES = "['nestjs-opencx', 'nestjs-opencx/testing', 'nestjs-opencx/redis']";

const cjs = (code) => ['-r', './block-peer.cjs', '-e', code];
const esm = (code) => ['--import', './block-peer.mjs', '--input-type=module', '-e', code];

async function checkOptionalPeerNotLoaded(dir, node) {
  for (const file of ['block-peer.cjs', 'block-peer.mjs', 'block-peer-hooks.mjs']) {
    copyFileSync(join(root, 'test/packaging', file), join(dir, file));
  }
  await run(dir, 'node', cjs(`for (const entry of ${LOAD_ENTRIES}) require(entry);`), node);
  await run(dir, 'node', esm(`for (const entry of ${LOAD_ENTRIES}) await import(entry);`), node);
  // The blockers must be able to fail: loading the terminus entry point is refused by each.
  for (const args of [cjs("require('nestjs-opencx/terminus')"), esm("await import('nestjs-opencx/terminus')")]) {
    let refused = false;
    try {
      await run(dir, 'node', args, node);
    } catch (error) {
      refused = /@nestjs\/terminus was loaded/.test(String(error.stderr));
    }
    if (!refused) throw new Error(`the @nestjs/terminus blocker did not block: node ${args.join(' ')}`);
  }
}

/** `npx nestjs-opencx-fake` from the installed package: prints its URL and answers like OpenCX. */
async function checkFakeBin(dir, node) {
  const child = spawn('npx', ['--no-install', 'nestjs-opencx-fake', '--port', '0', '--api-key', 'sk_bin_key'], {
    cwd: dir,
    env: environment(node),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: the cleanup below stops npx and the node it started, together.
    detached: true,
  });
  let url;
  try {
    url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the fake's bin printed no URL: ${out}`)), 15_000);
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const match = /listening on (http:\/\/[\d.:]+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.on('exit', (code) => reject(new Error(`the fake's bin exited (${code}): ${out}`)));
    });
    const response = await fetch(`${url}/widget/authenticate-user`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_bin_key', 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bin@example.com' }),
    });
    const body = await response.json();
    if (response.status !== 200 || typeof body.token !== 'string') {
      throw new Error(`the fake's bin answered ${response.status} ${JSON.stringify(body)}`);
    }
    // Killing npx alone (as a terminal or a process manager may) stops the fake too: no orphan.
    child.kill('SIGKILL');
    const until = Date.now() + 5_000;
    let alive = true;
    while (alive && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      alive = await fetch(`${url}/widget/authenticate-user`, { method: 'POST' }).then(
        () => true,
        () => false,
      );
    }
    if (alive) throw new Error("the fake's bin outlived npx: an orphan node process");
  } finally {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
}

const execFileAsync = promisify(execFile);
/** The commands' environment: `node`'s folder first on PATH (npx and the test runners start that Node too). */
const environment = (node) => ({
  ...process.env,
  CI: 'true',
  ...(node?.path ? { PATH: `${node.path}${delimiter}${process.env.PATH ?? ''}` } : {}),
});

/** Runs a command in a fixture, its stdin closed; its stdout, or an error carrying its stdout and stderr. */
async function run(cwd, command, args, node) {
  const running = execFileAsync(command, args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: environment(node),
  });
  running.child.stdin?.end();
  return (await running).stdout;
}

/** One fixture's app, from an empty folder to installed and compiled. */
async function prepare(fixture, dir) {
  mkdirSync(join(dir, 'src'), { recursive: true });
  mkdirSync(join(dir, 'test'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: basename(dir), private: true, type: fixture.type }));
  writeFileSync(join(dir, 'tsconfig.json'), fixture.tsconfig);
  writeFileSync(join(dir, 'src/app.module.ts'), APP_MODULE);
  writeFileSync(join(dir, 'src/check.ts'), CHECK);
  writeFileSync(join(dir, 'src/main.ts'), MAIN);
  for (const [file, text] of Object.entries(fixture.files)) writeFileSync(join(dir, file), text);
  const npm = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
  await run(dir, 'npm', ['install', ...npm, tarball, ...fixture.deps, ...COMMON]);
  await run(dir, 'npm', ['install', ...npm, '--save-dev', ...fixture.dev]);
  await run(dir, 'npx', ['tsc', '-p', 'tsconfig.json']);
}

/** The prepared app on one Node: it boots, its own test passes, the optional peers stay unloaded, the fake's bin works. */
async function check(fixture, dir, node) {
  const booted = JSON.parse((await run(dir, 'node', ['dist/main.js'], node)).trim().split('\n').pop());
  if (booted.contactId !== booted.expectedContactId) throw new Error(`boot: unexpected ${JSON.stringify(booted)}`);
  await run(dir, fixture.test[0], fixture.test.slice(1), node);
  await checkOptionalPeerNotLoaded(dir, node);
  await checkFakeBin(dir, node);
}

// Fixtures are independent folders: two at a time (most of a fixture's time is npm and the
// compiler waiting on the disk), each prepared once and checked on each of its Nodes in turn, each
// check reported when it ends.
const work = mkdtempSync(join(tmpdir(), 'nestjs-opencx-packaging-'));
const queue = [...fixtures.entries()];
let passed = 0;
let failed = 0;
const report = (fixture, node, started, error) => {
  const label = `${fixture.name} on Node ${node.version}`;
  if (!error) {
    passed++;
    console.log(`ok   ${label} (${Math.round((Date.now() - started) / 1000)} s)`);
    return;
  }
  failed++;
  const detail = [error.message, error.stdout, error.stderr].filter(Boolean).join('\n').slice(-4000);
  console.log(`FAIL ${label}\n${detail}`);
};
async function worker() {
  for (let next = queue.shift(); next; next = queue.shift()) {
    const [index, fixture] = next;
    const on = nodes.filter((node) => fixture.on?.(node.version) ?? true);
    if (on.length === 0) continue;
    const dir = join(work, `fixture-${index}`);
    let started = Date.now();
    let unprepared;
    try {
      await prepare(fixture, dir);
    } catch (error) {
      unprepared = error;
    }
    for (const node of on) {
      if (unprepared) {
        report(fixture, node, started, unprepared);
        continue;
      }
      try {
        await check(fixture, dir, node);
        report(fixture, node, started);
      } catch (error) {
        report(fixture, node, started, error);
      }
      started = Date.now();
    }
  }
}
await Promise.all(Array.from({ length: Math.min(2, availableParallelism()) }, worker));
rmSync(work, { recursive: true, force: true });
console.log(
  `packaging on Node ${nodes.map((node) => `v${node.version}`).join(', ')}: ${passed} passed, ${failed} failed`,
);
process.exit(failed === 0 ? 0 : 1);
