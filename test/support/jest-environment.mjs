// jest's node environment, plus: a test file that leaves behind a process it started (through
// test/support/processes.mjs) or a server still listening fails, and what it left is stopped. A
// leak then shows in the file that made it, instead of as a worker that cannot exit, a run that
// never ends, or an orphan that runs for minutes.
import { Server } from 'node:net';
import { relative } from 'node:path';
import { TestEnvironment } from 'jest-environment-node';
import { processOwner } from './processes.mjs';

const SHARED = Symbol.for('nestjs-opencx.test.processes');
/** How long a file's servers may take to finish closing after its last hook. */
const CLOSE_GRACE_MS = 2_000;

// A worker whose jest is gone (a SIGKILL leaves the workers running their suites) ends too, and the
// watchdog of processes.mjs then stops what it started. Listened to only while a file runs: the
// listener keeps the IPC channel open, and a worker that jest ends must be free to exit.
const orphaned = () => process.exit(1);

// Every server that listens in this process, with its connections, until it closes. Core modules
// are shared with the test files, so this sees their servers (http, Nest, the fake) too.
const servers = new Map();
// Called with each server as `this`, as Node calls it.
const listen = Object.getOwnPropertyDescriptor(Server.prototype, 'listen').value;
Server.prototype.listen = function listenTracked(...args) {
  if (!servers.has(this)) {
    const sockets = new Set();
    servers.set(this, sockets);
    this.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    this.once('close', () => servers.delete(this));
  }
  return listen.apply(this, args);
};

const describeServer = (server) => {
  const address = server.address();
  return typeof address === 'object' && address ? `${address.address}:${address.port}` : String(address);
};

export default class OpenCxTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.file = relative(config.projectConfig.rootDir, context.testPath);
    this.global[SHARED] = processOwner;
  }

  async setup() {
    await super.setup();
    processOwner.beginFile();
    if (process.send) process.on('disconnect', orphaned);
    this.serversBefore = new Set(servers.keys());
  }

  /** After the file's last hook: stops what it left and fails the file for it, its results kept. */
  async handleTestEvent(event, state) {
    if (event.name !== 'run_finish') return;
    const leaks = await this.stopLeftovers();
    if (leaks.length > 0) state.unhandledErrors.push(new Error(`${this.file} left behind:\n  ${leaks.join('\n  ')}`));
  }

  async teardown() {
    // Whatever started after the last hook (nothing should) is stopped all the same.
    await this.stopLeftovers();
    process.off('disconnect', orphaned);
    await super.teardown();
  }

  /** Stops the processes and servers this file started and left running, and describes each. */
  async stopLeftovers() {
    const processes = await processOwner.endFile();
    const open = () => [...servers.keys()].filter((server) => !this.serversBefore.has(server) && server.listening);
    const deadline = Date.now() + CLOSE_GRACE_MS;
    while (open().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const left = open();
    const addresses = left.map(describeServer);
    for (const server of left) {
      server.close();
      for (const socket of servers.get(server) ?? []) socket.destroy();
    }
    return [
      ...processes.map((command) => `a process it started, still running (now stopped): ${command}`),
      ...addresses.map((address) => `a server it started, still listening on ${address} (now closed)`),
    ];
  }
}
