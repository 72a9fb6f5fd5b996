import { registerAs } from '@nestjs/config';

/** The sample app's settings, read from the environment and validated at start-up. */
export interface SampleConfig {
  /** OpenCX organisation API key (`OPENCX_API_KEY`, required). */
  opencxApiKey: string;
  /** OpenCX base URL (`OPENCX_BASE_URL`); undefined means the library's default. */
  opencxBaseUrl?: string;
  /** Per-attempt timeout and retries towards OpenCX (`OPENCX_TIMEOUT_MS`, `OPENCX_MAX_RETRIES`); undefined: library defaults. */
  opencxTimeout?: number;
  opencxMaxRetries?: number;
  /** Token cache TTL in ms (`OPENCX_CACHE_TTL_MS`; `0` turns the cache off); undefined: library default. */
  opencxCacheTtl?: number;
  /** Upstream calls per minute (`OPENCX_RATE_LIMIT`; `0` turns the client-side limit off); undefined: library default. */
  opencxRateLimit?: number;
  /** How long readiness reuses what it knows about OpenCX before probing (`OPENCX_HEALTH_INTERVAL_MS`); undefined: library default. */
  opencxHealthInterval?: number;
  /** Redis shared by the fleet (`REDIS_URL`): token cache, rate limit and single-flight span instances. */
  redisUrl?: string;
  /** Keys accepted in `x-api-key` for the service-to-service endpoint (`SAMPLE_API_KEYS`, comma-separated, required). */
  apiKeys: string[];
  /** HS256 secret for end-user JWTs (`JWT_SECRET`), or... */
  jwtSecret?: string;
  /** ...an RS256/ES256 public key in PEM (`JWT_PUBLIC_KEY`). Exactly one of the two is required. */
  jwtPublicKey?: string;
  /** Expected `iss` / `aud` claims (`JWT_ISSUER`, `JWT_AUDIENCE`), checked when set. */
  jwtIssuer?: string;
  jwtAudience?: string;
  /** `PORT` (default 3000) and `HOST` (default 0.0.0.0). */
  port: number;
  host: string;
  /** Largest JSON body (`BODY_LIMIT`, default 64kb); larger answers 413. */
  bodyLimit: string;
  /** Allowed CORS origins (`CORS_ORIGINS`, comma-separated); CORS is off when unset. */
  corsOrigins: string[];
  /** Requests per minute per API key or per user (`THROTTLE_LIMIT`, default 60). */
  throttleLimit: number;
  /** Failed authentications per minute per client address before it gets 429 for a minute (`AUTH_FAILURE_LIMIT`, default 20). */
  authFailureLimit: number;
  /** Open connections the server accepts at once (`MAX_CONNECTIONS`, default 1000). */
  maxConnections: number;
  /** `LOG_FORMAT=json` for one JSON object per log line. */
  logJson: boolean;
  /**
   * Whether Swagger UI and the OpenAPI document are served at `/docs` and `/docs-json` (`API_DOCS`,
   * `true` or `false`; unset: on, except with `NODE_ENV=production`, where a public map of the API
   * is not the sample's to publish).
   */
  apiDocs: boolean;
  /**
   * Express's `trust proxy` (`TRUST_PROXY`): behind a load balancer, which hops to trust for the
   * client's address (`true`, a hop count, or addresses and subnets); unset: none, the socket's
   * address is the client's. Per-address limits count the real clients only when this is right.
   */
  trustProxy: boolean | number | string;
}

/** Thrown at start-up for a bad environment: names the variables, never their values. */
export class SampleConfigError extends Error {
  constructor(problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'SampleConfigError';
  }
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) problems.push(`${name} must be a positive integer`);
  return value;
}

function nonNegativeInt(env: NodeJS.ProcessEnv, name: string, problems: string[]): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) problems.push(`${name} must be a non-negative integer`);
  return value;
}

/** Reads and validates the environment; throws {@link SampleConfigError} listing every problem. */
/** `TRUST_PROXY` as Express takes it: `true`/`false`, a hop count, or a list of addresses and subnets. */
function trustProxyOf(value: string | undefined): boolean | number | string {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}

export function loadSampleConfig(env: NodeJS.ProcessEnv): SampleConfig {
  const problems: string[] = [];
  const opencxApiKey = env.OPENCX_API_KEY?.trim() ?? '';
  if (!opencxApiKey) problems.push('OPENCX_API_KEY is required (the OpenCX organisation API key)');
  const apiKeys = list(env.SAMPLE_API_KEYS);
  if (apiKeys.length === 0) problems.push('SAMPLE_API_KEYS is required (comma-separated keys for x-api-key)');
  if (apiKeys.some((key) => key.length < 16)) problems.push('SAMPLE_API_KEYS entries must be at least 16 characters');
  const jwtSecret = env.JWT_SECRET || undefined;
  const jwtPublicKey = env.JWT_PUBLIC_KEY?.replace(/\\n/g, '\n') || undefined;
  if (!jwtSecret === !jwtPublicKey) problems.push('exactly one of JWT_SECRET or JWT_PUBLIC_KEY is required');
  if (jwtSecret !== undefined && jwtSecret.length < 32) problems.push('JWT_SECRET must be at least 32 characters');
  const apiDocs = env.API_DOCS || (env.NODE_ENV === 'production' ? 'false' : 'true');
  if (apiDocs !== 'true' && apiDocs !== 'false') problems.push('API_DOCS must be true or false');
  const logFormat = env.LOG_FORMAT ?? 'text';
  if (logFormat !== 'json' && logFormat !== 'text') problems.push('LOG_FORMAT must be json or text');
  const config: SampleConfig = {
    opencxApiKey,
    opencxBaseUrl: env.OPENCX_BASE_URL || undefined,
    opencxTimeout: env.OPENCX_TIMEOUT_MS ? positiveInt(env, 'OPENCX_TIMEOUT_MS', 0, problems) : undefined,
    opencxMaxRetries: env.OPENCX_MAX_RETRIES ? Number(env.OPENCX_MAX_RETRIES) : undefined,
    opencxCacheTtl: nonNegativeInt(env, 'OPENCX_CACHE_TTL_MS', problems),
    opencxRateLimit: nonNegativeInt(env, 'OPENCX_RATE_LIMIT', problems),
    opencxHealthInterval: nonNegativeInt(env, 'OPENCX_HEALTH_INTERVAL_MS', problems),
    redisUrl: env.REDIS_URL || undefined,
    apiKeys,
    jwtSecret,
    jwtPublicKey,
    jwtIssuer: env.JWT_ISSUER || undefined,
    jwtAudience: env.JWT_AUDIENCE || undefined,
    port: env.PORT === '0' ? 0 : positiveInt(env, 'PORT', 3000, problems),
    host: env.HOST || '0.0.0.0',
    bodyLimit: env.BODY_LIMIT || '64kb',
    corsOrigins: list(env.CORS_ORIGINS),
    throttleLimit: positiveInt(env, 'THROTTLE_LIMIT', 60, problems),
    authFailureLimit: positiveInt(env, 'AUTH_FAILURE_LIMIT', 20, problems),
    maxConnections: positiveInt(env, 'MAX_CONNECTIONS', 1000, problems),
    logJson: logFormat === 'json',
    apiDocs: apiDocs === 'true',
    trustProxy: trustProxyOf(env.TRUST_PROXY),
  };
  if (problems.length > 0) throw new SampleConfigError(problems);
  return config;
}

/** The `sample` configuration namespace of `@nestjs/config`, read from `env`. */
export const sampleConfig = (env: NodeJS.ProcessEnv) => registerAs('sample', () => loadSampleConfig(env));
