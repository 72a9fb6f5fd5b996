import { plainToInstance } from 'class-transformer';
import { IsInt, IsString, IsUrl, Matches, Max, Min, validateSync } from 'class-validator';
import { toFieldErrors } from './dto/validate-authenticate-user.js';
import { OpenCxConfigurationError } from './errors/opencx.errors.js';

/** Options of {@link OpenCxModule}. Every option but `apiKey` has a default. */
export interface OpenCxModuleOptions {
  /** The organisation's OpenCX API key, sent as `Authorization: Bearer <apiKey>`. Required. */
  apiKey: string;
  /** Base URL of the OpenCX API. Default `https://api.open.cx`. */
  baseUrl?: string;
  /** Milliseconds one attempt may take, connection to last byte. Default 10000. */
  timeout?: number;
  /** Retries after the first attempt for connection errors, timeouts, 408, 429 and 5xx. Default 2. */
  maxRetries?: number;
  /** Base of the exponential backoff in milliseconds (full jitter). Default 500. */
  retryDelay?: number;
  /** Upper bound of one backoff delay in milliseconds. Default 8000. */
  maxRetryDelay?: number;
  /**
   * The longest `Retry-After` (in milliseconds) the client will wait out. An upstream asking for
   * longer fails the call at once with the error, whose `retryAfter` carries the upstream's value.
   * Default 60000.
   */
  maxRetryAfter?: number;
  /** Largest response body accepted, in bytes; a larger one is cut off and rejected. Default 1048576 (1 MiB). */
  maxResponseBytes?: number;
}

/** Options with every default applied; what the service actually uses. */
export type ResolvedOpenCxOptions = Required<OpenCxModuleOptions>;

/** The defaults, visible and overridable (per module in the options, per call in `authenticateUser`). */
export const OPENCX_DEFAULTS = {
  baseUrl: 'https://api.open.cx',
  timeout: 10_000,
  maxRetries: 2,
  retryDelay: 500,
  maxRetryDelay: 8_000,
  maxRetryAfter: 60_000,
  maxResponseBytes: 1_048_576,
} as const satisfies Omit<ResolvedOpenCxOptions, 'apiKey'>;

// A key is sent in a header: it must be a non-empty token with no whitespace or control character.
const API_KEY = /^[\x21-\x7e]+$/;
const API_KEY_MESSAGE = 'apiKey must be a non-empty string of printable characters without spaces';

class OpenCxOptionsSchema implements ResolvedOpenCxOptions {
  @IsString({ message: API_KEY_MESSAGE })
  @Matches(API_KEY, { message: API_KEY_MESSAGE })
  apiKey!: string;

  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'baseUrl must be an http or https URL' },
  )
  baseUrl!: string;

  @IsInt({ message: 'timeout must be an integer number of milliseconds' })
  @Min(1, { message: 'timeout must be at least 1 ms' })
  @Max(600_000, { message: 'timeout must be at most 600000 ms' })
  timeout!: number;

  @IsInt({ message: 'maxRetries must be an integer' })
  @Min(0, { message: 'maxRetries must be at least 0' })
  @Max(10, { message: 'maxRetries must be at most 10' })
  maxRetries!: number;

  @IsInt({ message: 'retryDelay must be an integer number of milliseconds' })
  @Min(0, { message: 'retryDelay must be at least 0' })
  retryDelay!: number;

  @IsInt({ message: 'maxRetryDelay must be an integer number of milliseconds' })
  @Min(0, { message: 'maxRetryDelay must be at least 0' })
  maxRetryDelay!: number;

  @IsInt({ message: 'maxRetryAfter must be an integer number of milliseconds' })
  @Min(0, { message: 'maxRetryAfter must be at least 0' })
  maxRetryAfter!: number;

  @IsInt({ message: 'maxResponseBytes must be an integer' })
  @Min(1024, { message: 'maxResponseBytes must be at least 1024' })
  maxResponseBytes!: number;
}

/**
 * Applies defaults and validates the module options (and per-call overrides). Unknown options are
 * errors too, so a typo such as `apikey` fails start-up instead of silently using a default.
 */
export function resolveOpenCxOptions(options: OpenCxModuleOptions | undefined): ResolvedOpenCxOptions {
  if (options === null || typeof options !== 'object') {
    throw new OpenCxConfigurationError(['options must be an object with at least apiKey']);
  }
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved = { ...OPENCX_DEFAULTS, ...defined } as ResolvedOpenCxOptions;
  const errors = validateSync(plainToInstance(OpenCxOptionsSchema, resolved), {
    whitelist: true,
    forbidNonWhitelisted: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) {
    throw new OpenCxConfigurationError(toFieldErrors(errors).flatMap((e) => e.messages));
  }
  return { ...resolved, baseUrl: resolved.baseUrl.replace(/\/+$/, '') };
}
