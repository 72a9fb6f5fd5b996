#!/usr/bin/env node
/**
 * `npx nestjs-opencx-fake --port 8080 --api-key sk_test_123`: the fake OpenCX on its own, for a dev
 * server to point `baseUrl` at. Prints its URL, then serves until Ctrl-C.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createOpenCxFakeServer } from './fake-server.js';

const USAGE = `Usage: nestjs-opencx-fake [--port 8080] [--api-key KEY] [--token-ttl 3600] [--status 200|201] [--rate-limit N] [--latency MS]

Starts a fake OpenCX on 127.0.0.1 that answers POST /widget/authenticate-user like OpenCX does.
  --port        port to listen on (default 8080; 0 for any free port)
  --api-key     the only Bearer key accepted (default: any non-empty key)
  --token-ttl   lifetime of every issued token in seconds (default: none for chat-only tokens, 3600 with mcp_access)
  --status      status of a successful answer (default 200)
  --rate-limit  answer 429 past this many calls per minute (default: no limit)
  --latency     milliseconds to wait before every answer (default 0)`;

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    console.error(`--${name} must be a non-negative integer\n\n${USAGE}`);
    process.exit(2);
  }
  return parsed;
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        port: { type: 'string' },
        'api-key': { type: 'string' },
        'token-ttl': { type: 'string' },
        status: { type: 'string' },
        'rate-limit': { type: 'string' },
        latency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return process.exit(2);
  }
})();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const fake = await createOpenCxFakeServer({
  port: integer('port', values.port) ?? 8080,
  apiKey: values['api-key'],
  tokenTtlSeconds: integer('token-ttl', values['token-ttl']),
  successStatus: integer('status', values.status),
  rateLimitPerMinute: integer('rate-limit', values['rate-limit']),
  latency: integer('latency', values.latency),
});
console.log(`Fake OpenCX listening on ${fake.url}`);
console.log(`Point your app at it: OpenCxModule.forRoot({ apiKey, baseUrl: '${fake.url}' })`);
const stop = (): void => void fake.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// Run through `npx` (which starts it through a shell), a killed npx leaves this process behind:
// stop when the parent or the grandparent is gone, never orphaned.
const parentOf = (pid: number): number | undefined => {
  try {
    // /proc/<pid>/stat: "pid (name) state ppid ..."; the name may hold spaces, so read after ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
};
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const watched = [process.ppid, parentOf(process.ppid)].filter((pid): pid is number => pid !== undefined && pid > 1);
setInterval(() => {
  if (watched.some((pid) => !alive(pid)) || process.ppid === 1) stop();
}, 500).unref();
