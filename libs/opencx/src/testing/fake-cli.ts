import { parseArgs } from 'node:util';
import { FAKE_ROUTES } from './fake-routes.js';
import { createOpenCxFakeServer } from './fake-server.js';
import type { OpenCxFakeServer } from './fake-server.interface.js';
import type { FakeRequestEvent } from './fake-server.options.js';

/** Where the CLI writes: the console in the bin, captured lines in tests. */
export interface FakeCliOutput {
  log(line: string): void;
  error(line: string): void;
}

const ROUTES = Object.entries(FAKE_ROUTES)
  .map(([route, what]) => `  ${route.padEnd(34)}${what}`)
  .join('\n');

/** `--help`: every option and every route. */
export const FAKE_CLI_USAGE = `Usage: nestjs-opencx-fake [--port 8080] [--api-key KEY] [--token-ttl SECONDS] [--status 200|201]
                          [--rate-limit N] [--page-size N] [--latency MS]

Starts a fake OpenCX on 127.0.0.1 and logs one line per request (route pattern and status). Routes:
${ROUTES}

Options:
  --port        port to listen on (default 8080; 0 for any free port)
  --api-key     the only Bearer key accepted (default: any non-empty key)
  --token-ttl   lifetime of every issued token in seconds (default: no exp on chat-only tokens, 3600 with mcp_access)
  --status      status of a successful authenticate-user answer (default 200)
  --rate-limit  answer 429 past this many requests a minute per API key (default: no limit; OpenCX documents 100)
  --page-size   contacts per page of GET /contacts (default 10)
  --latency     milliseconds to wait before every answer (default 0)
  --help, -h    this text`;

/**
 * One log line per request: when, which route (its pattern, such as `DELETE /contacts/{id}`, or
 * `(unknown route)` with the method), how it ended, how long it took. Never a path segment or a
 * query value: a contact id, an email sent as one, or an API key put in a URL by mistake would
 * otherwise land in the log.
 */
export function requestLine(event: FakeRequestEvent, at = new Date()): string {
  const status = event.status === undefined ? 'no answer' : String(event.status);
  const method = /^[A-Z]{1,16}$/.test(event.method) ? event.method : '(method withheld)';
  const route = event.route ?? `${method} (unknown route)`;
  return `${at.toISOString()} ${route} ${status} ${Math.round(event.durationMs)} ms`;
}

/**
 * Parses the CLI's arguments and starts the fake: the running server, or the exit code when it
 * should not run (`--help`: 0; a bad argument: 2, with the usage on `error`).
 */
export async function startFakeCli(
  args: string[],
  output: FakeCliOutput,
): Promise<{ fake: OpenCxFakeServer } | { exitCode: number }> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        'api-key': { type: 'string' },
        'token-ttl': { type: 'string' },
        status: { type: 'string' },
        'rate-limit': { type: 'string' },
        'page-size': { type: 'string' },
        latency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    output.error(`${(error as Error).message}\n\n${FAKE_CLI_USAGE}`);
    return { exitCode: 2 };
  }
  if (values.help) {
    output.log(FAKE_CLI_USAGE);
    return { exitCode: 0 };
  }
  const numbers: Record<string, number | undefined> = {};
  for (const name of ['port', 'token-ttl', 'status', 'rate-limit', 'page-size', 'latency']) {
    const value = values[name] as string | undefined;
    if (value === undefined) continue;
    const parsed = Number(value);
    const least = name === 'page-size' ? 1 : 0;
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < least) {
      output.error(`--${name} must be an integer of at least ${least}\n\n${FAKE_CLI_USAGE}`);
      return { exitCode: 2 };
    }
    numbers[name] = parsed;
  }
  let fake: OpenCxFakeServer;
  try {
    fake = await createOpenCxFakeServer({
      port: numbers.port ?? 8080,
      apiKey: values['api-key'] as string | undefined,
      tokenTtlSeconds: numbers['token-ttl'],
      successStatus: numbers.status,
      rateLimitPerMinute: numbers['rate-limit'],
      contactsPageSize: numbers['page-size'],
      latency: numbers.latency,
      onRequest: (event) => output.log(requestLine(event)),
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    output.error(`Cannot listen on 127.0.0.1:${numbers.port ?? 8080} (${typeof code === 'string' ? code : 'error'})`);
    return { exitCode: 1 };
  }
  output.log(`Fake OpenCX listening on ${fake.url}`);
  output.log(`Point your app at it: OpenCxModule.forRoot({ apiKey, baseUrl: '${fake.url}' })`);
  return { fake };
}
