import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JwtService } from '@nestjs/jwt';
import { createOpenCxFakeServer, type OpenCxFakeServer } from 'nestjs-opencx/testing';
import { spawn, stopProcess } from './processes.mjs';

/** The built sample app: suites run what `npm run start:prod` runs, in its own Node process. */
export const SAMPLE_MAIN = fileURLToPath(new URL('../../dist/apps/sample/main.js', import.meta.url));

/** The request fields of OpenCX's API reference and widget 5 (docs/opencx-api.md), written out apart from the library's DTO. */
export const SPEC_FIELDS = [
  'email',
  'name',
  'avatar_url',
  'phone',
  'language',
  'customData',
  'chat_context',
  'http_action_overrides',
  // Sent to this endpoint by OpenCX's widget 5 host backends (its integration skill and demo).
  'mcp_access',
] as const;

/** Canary values: tests assert none of them ever shows up in a log line or a response body. */
export const CANARY = {
  orgApiKey: 'sk_org_CANARY_7d1f9a2b',
  serviceKey: 'svc_CANARY_key_0123456789abcdef',
  jwtSecret: 'jwt_CANARY_secret_0123456789abcdef0123456789',
  email: 'canary.person@canary-mail.example',
  phone: '+15550100999',
  headerValue: 'hdr_CANARY_value_42',
} as const;

/** The issuer and audience the harness configures, and its user tokens carry. */
export const SAMPLE_JWT = { issuer: 'https://id.example.test', audience: 'nestjs-opencx-sample' } as const;

export interface SampleProcess {
  child: ChildProcess;
  /** Every line the process wrote to stdout or stderr. */
  lines: string[];
  exited: Promise<number | null>;
}

/** Spawns the built sample app with exactly `env` (plus PATH), capturing its output. */
export function spawnSampleApp(env: Record<string, string>): SampleProcess {
  if (!existsSync(SAMPLE_MAIN)) throw new Error(`${SAMPLE_MAIN} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [SAMPLE_MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts.filter(Boolean));
    });
    stream.on('end', () => rest && lines.push(rest));
  }
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

export interface SampleHarness {
  /** Base URL of the running app, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** The app's process id (to read its open sockets and memory from /proc). */
  pid: number;
  fake: OpenCxFakeServer;
  /** Every log line the app wrote (JSON mode, as in production with LOG_FORMAT=json). */
  lines: string[];
  /** A valid end-user JWT for `claims` (default: the canary user). */
  userToken(claims?: Record<string, unknown>, options?: Parameters<JwtService['sign']>[1]): string;
  close(): Promise<void>;
}

/** The environment the harness gives the app, pointed at `fake`. */
export function sampleEnv(
  fake: Pick<OpenCxFakeServer, 'url'>,
  env: Record<string, string> = {},
): Record<string, string> {
  return {
    OPENCX_API_KEY: CANARY.orgApiKey,
    OPENCX_BASE_URL: fake.url,
    OPENCX_TIMEOUT_MS: '300',
    // Most suites test what happens per upstream call: no token cache, no client-side limit.
    OPENCX_CACHE_TTL_MS: '0',
    OPENCX_RATE_LIMIT: '0',
    SAMPLE_API_KEYS: `${CANARY.serviceKey},other_service_key_0000000000`,
    JWT_SECRET: CANARY.jwtSecret,
    JWT_ISSUER: SAMPLE_JWT.issuer,
    JWT_AUDIENCE: SAMPLE_JWT.audience,
    THROTTLE_LIMIT: '100000',
    AUTH_FAILURE_LIMIT: '100000',
    LOG_FORMAT: 'json',
    PORT: '0',
    HOST: '127.0.0.1',
    ...env,
  };
}

/** How long the app may take to listen: a cold start on a busy machine takes a few seconds. */
export const SAMPLE_START_TIMEOUT_MS = 15_000;

/** Resolves with the app's URL once it listens, or rejects when it exits or takes too long. */
function waitForListening(app: SampleProcess): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`sample app did not start:\n${app.lines.join('\n')}`)),
      SAMPLE_START_TIMEOUT_MS,
    );
    const poll = setInterval(() => {
      const line = app.lines.find((l) => l.includes('Listening on http'));
      if (line) done(undefined, /Listening on (http:\/\/[\d.:[\]]+)/.exec(line)![1]);
    }, 20);
    void app.exited.then((code) => done(new Error(`sample app exited (${code}):\n${app.lines.join('\n')}`)));
    function done(error?: Error, url?: string): void {
      clearInterval(poll);
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(url!);
    }
  });
}

/** Starts the fake OpenCX server (or uses a shared one) and the built sample app pointed at it, and waits until it listens. */
export async function startSampleApp(
  env: Record<string, string> = {},
  shared?: { fake: OpenCxFakeServer },
): Promise<SampleHarness> {
  const fake = shared?.fake ?? (await createOpenCxFakeServer({ apiKey: CANARY.orgApiKey }));
  // A start that fails leaves nothing behind: the caller has no handle to close.
  const giveUp = async (error: unknown, app?: SampleProcess): Promise<never> => {
    if (app) await stopProcess(app.child, 0);
    if (!shared) await fake.close();
    throw error;
  };
  const started = await Promise.resolve()
    .then(() => spawnSampleApp(sampleEnv(fake, env)))
    .catch((error: unknown) => giveUp(error));
  const url = await waitForListening(started).catch((error: unknown) => giveUp(error, started));
  const jwt = new JwtService({ secret: CANARY.jwtSecret });
  return {
    url,
    pid: started.child.pid!,
    fake,
    lines: started.lines,
    userToken: (
      claims = { sub: 'user-1', email: CANARY.email, email_verified: true, name: 'Canary Person' },
      options,
    ) => jwt.sign(claims, { expiresIn: '5m', issuer: SAMPLE_JWT.issuer, audience: SAMPLE_JWT.audience, ...options }),
    close: async () => {
      await stopProcess(started.child);
      // A fake shared between several apps belongs to the caller.
      if (!shared) await fake.close();
    },
  };
}
