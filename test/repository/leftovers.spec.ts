import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const JEST = ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', 'node_modules/jest/bin/jest.js'];
const SAMPLE_MAIN = join(root, 'dist/apps/sample/main.js');

interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Start time in clock ticks since boot: tells a process from a later one with the same id. */
  started: string;
  command: string;
}

/** A process's line in /proc, or undefined once it is gone (a zombie is gone: it runs nothing). */
function read(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces or parentheses itself.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, ppid: Number(fields[1]), started: fields[19] ?? '', command };
  } catch {
    return undefined;
  }
}

/** Every live process descended from `ancestor`, read from /proc. */
function descendantsOf(ancestor: number): ProcessInfo[] {
  const all = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => read(Number(name)))
    .filter((info): info is ProcessInfo => info !== undefined);
  const found: ProcessInfo[] = [];
  const parents = new Set([ancestor]);
  for (let grew = true; grew;) {
    grew = false;
    for (const info of all) {
      if (parents.has(info.ppid) && !parents.has(info.pid)) {
        parents.add(info.pid);
        found.push(info);
        grew = true;
      }
    }
  }
  return found;
}

const stillRunning = (seen: ProcessInfo[]): ProcessInfo[] =>
  seen.filter((info) => read(info.pid)?.started === info.started);

interface JestRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Every process seen below jest so far (polled until `stopWatching`). */
  seen: Map<number, ProcessInfo>;
  stopWatching(): void;
  /** Resolves with the fixture's own process id once it has started everything. */
  ready(): Promise<number>;
  /** Kills whatever of the run is still alive: jest and everything seen below it. */
  cleanUp(): void;
}

/** Runs jest on fixtures of test/repository/fixtures in a process group of its own. */
function runJest(fixtures: string[], args: string[]): JestRun {
  const dir = mkdtempSync(join(tmpdir(), 'opencx-leftovers-'));
  const env: NodeJS.ProcessEnv = { ...process.env, OPENCX_FIXTURE_DIR: dir };
  delete env.JEST_WORKER_ID;
  const child = spawn(
    process.execPath,
    [...JEST, ...args, ...fixtures.flatMap((file) => ['--testMatch', `<rootDir>/test/repository/fixtures/${file}`])],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const seen = new Map<number, ProcessInfo>();
  const watch = setInterval(() => {
    for (const info of descendantsOf(child.pid!)) if (!seen.has(info.pid)) seen.set(info.pid, info);
  }, 50);
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  return {
    child,
    output: () => output,
    exited,
    seen,
    stopWatching: () => clearInterval(watch),
    async ready() {
      const file = join(dir, 'ready.json');
      const deadline = Date.now() + 90_000;
      while (!existsSync(file)) {
        if (exitCode !== undefined || Date.now() > deadline) throw new Error(`the fixture never got ready:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid;
    },
    cleanUp() {
      clearInterval(watch);
      for (const info of stillRunning([...seen.values()])) {
        for (const signal of ['SIGCONT', 'SIGKILL'] as const) {
          try {
            process.kill(info.pid, signal);
          } catch {
            // Gone in between.
          }
        }
      }
      if (exitCode === undefined) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // Gone in between.
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What of `seen` is still running after `waitMs`, polled (a stopped process may take a moment). */
async function leftAfter(seen: ProcessInfo[], waitMs: number): Promise<ProcessInfo[]> {
  const deadline = Date.now() + waitMs;
  while (stillRunning(seen).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return stillRunning(seen);
}

const commands = (infos: ProcessInfo[]): string[] => infos.map((info) => `${info.pid} ${info.command}`);

const describeOnLinux = existsSync('/proc/self/stat') ? describe : describe.skip;

describeOnLinux('a suite stopped mid-run leaves no process behind', () => {
  beforeAll(() => {
    if (!existsSync(SAMPLE_MAIN)) throw new Error(`${SAMPLE_MAIN} is missing: run \`npm run build\` first`);
  });

  it('when jest, running the suite in band, is killed (SIGKILL)', async () => {
    const run = runJest(['starts-everything.fixture.ts'], ['--runInBand']);
    try {
      await run.ready();
      // Give the watcher one more look at everything below jest.
      await new Promise((resolve) => setTimeout(resolve, 200));
      run.stopWatching();
      const seen = [...run.seen.values()];
      expect(seen.some((info) => info.command.includes(SAMPLE_MAIN))).toBe(true);
      process.kill(run.child.pid!, 'SIGKILL');
      expect(commands(await leftAfter(seen, 10_000))).toEqual([]);
    } finally {
      run.cleanUp();
    }
  }, 120_000);

  it('when the jest worker running the suite is killed (SIGKILL)', async () => {
    const run = runJest(
      ['starts-everything.fixture.ts', 'passes.fixture.ts'],
      ['--maxWorkers=2', '--workerIdleMemoryLimit=4GB'],
    );
    try {
      const worker = await run.ready();
      expect(worker).not.toBe(run.child.pid);
      await new Promise((resolve) => setTimeout(resolve, 200));
      run.stopWatching();
      const seen = [...run.seen.values()].filter((info) => info.pid !== worker);
      const below = seen.filter((info) => info.ppid === worker);
      expect(below.length).toBeGreaterThan(0);
      process.kill(worker, 'SIGKILL');
      expect(commands(await leftAfter(below, 10_000))).toEqual([]);
    } finally {
      run.cleanUp();
    }
  }, 120_000);

  it('when jest is killed (SIGKILL) while its worker runs the suite', async () => {
    const run = runJest(
      ['starts-everything.fixture.ts', 'passes.fixture.ts'],
      ['--maxWorkers=2', '--workerIdleMemoryLimit=4GB'],
    );
    try {
      const worker = await run.ready();
      expect(worker).not.toBe(run.child.pid);
      await new Promise((resolve) => setTimeout(resolve, 200));
      run.stopWatching();
      const seen = [...run.seen.values()];
      process.kill(run.child.pid!, 'SIGKILL');
      // The workers too: a worker left running goes on with its suite, starting more.
      expect(commands(await leftAfter(seen, 10_000))).toEqual([]);
    } finally {
      run.cleanUp();
    }
  }, 120_000);

  it('when a hook gives up before the app it starts is listening, and jest ends by itself', async () => {
    const run = runJest(['start-outlasts-hook.fixture.ts'], ['--runInBand']);
    try {
      let timer: NodeJS.Timeout | undefined;
      const ended = await Promise.race([
        run.exited.then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(resolve, 60_000, false))),
      ]);
      clearTimeout(timer);
      run.stopWatching();
      const seen = [...run.seen.values()];
      expect(ended).toBe(true);
      expect(commands(await leftAfter(seen, 5_000))).toEqual([]);
      // The app may live too briefly for the watcher to see it below jest: look for it anywhere.
      const apps = readdirSync('/proc')
        .filter((name) => /^\d+$/.test(name))
        .map((name) => read(Number(name)))
        .filter((info): info is ProcessInfo => info?.command.includes(SAMPLE_MAIN) === true);
      expect(commands(await leftAfter(apps, 5_000))).toEqual([]);
      expect(run.output()).toContain('Exceeded timeout of 50 ms for a hook');
      // The file fails for what it left, with the app named, and its own results kept.
      expect(run.output()).toMatch(/left behind:\n.*dist\/apps\/sample\/main\.js/);
    } finally {
      run.cleanUp();
    }
  }, 120_000);
});
