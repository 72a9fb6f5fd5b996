import type { ValidationError } from 'class-validator';

/**
 * The error tree of nestjs-opencx. Every error the library throws is an {@link OpenCxError}, so one
 * `instanceof` check catches them all; subclasses tell the failure apart without string matching.
 *
 * Messages are built only from safe facts (status codes, field names, error codes, durations): no
 * error carries the API key, an email, a phone number or a header-override value in its message,
 * its stack, `toString()` or `JSON.stringify()`. The transport never attaches the raw HTTP client
 * error as `cause`, because that object holds the request headers, `Authorization` included.
 */
export class OpenCxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }

  /** What `JSON.stringify` shows: the name and the safe message, nothing else. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message };
  }
}

/** Bad module options, thrown at start-up. Names the options, never prints their values. */
export class OpenCxConfigurationError extends OpenCxError {
  constructor(readonly problems: string[]) {
    super(`Invalid OpenCxModule options: ${problems.join('; ')}`);
  }
}

/** One field of the input that failed validation, by its dotted path (e.g. `http_action_overrides.headers`). */
export interface OpenCxFieldError {
  /** The field's path in the request body, with the spec's names. */
  field: string;
  /** What is wrong with it, e.g. `email must be an email`; never the value itself. */
  messages: string[];
}

/** The input failed the DTO's rules; nothing was sent to OpenCX. */
export class OpenCxValidationError extends OpenCxError {
  constructor(readonly errors: OpenCxFieldError[]) {
    super(`Invalid input: ${errors.map((e) => `${e.field} (${e.messages.join('; ')})`).join(', ')}`);
  }

  /**
   * From class-validator's errors, one entry per bad field by dotted path: for a `ValidationPipe`'s
   * `exceptionFactory`, so a controller's 400 has the same `fields` as the library's own.
   *
   * @example new ValidationPipe({ exceptionFactory: (errors) => OpenCxValidationError.fromValidationErrors(errors) })
   */
  static fromValidationErrors(errors: ValidationError[]): OpenCxValidationError {
    const flatten = (list: ValidationError[], parent: string): OpenCxFieldError[] =>
      list.flatMap((error) => {
        const field = parent ? `${parent}.${error.property}` : error.property;
        const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
        return [...own, ...flatten(error.children ?? [], field)];
      });
    return new OpenCxValidationError(flatten(errors, ''));
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), errors: this.errors };
  }
}

/** An attempt did not complete within the per-attempt `timeout`, and no retry was left. */
export class OpenCxTimeoutError extends OpenCxError {
  constructor(readonly timeout: number) {
    super(`OpenCX did not answer within ${timeout} ms`);
  }
}

/** The connection failed (refused, reset, DNS, TLS) before a complete answer arrived. */
export class OpenCxConnectionError extends OpenCxError {
  constructor(readonly code: string | undefined) {
    super(`Connection to OpenCX failed${code ? ` (${code})` : ''}`);
  }
}

/** The caller's `AbortSignal` fired; no further attempt was made. */
export class OpenCxAbortError extends OpenCxError {
  constructor() {
    super('The OpenCX request was aborted by the caller');
  }
}

/** OpenCX answered 2xx, but not with the documented `{ token, contact: { id } }` shape. */
export class OpenCxInvalidResponseError extends OpenCxError {
  constructor(
    readonly status: number,
    reason: string,
  ) {
    super(`OpenCX answered ${status} with an invalid body: ${reason}`);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), status: this.status };
  }
}

/** NestJS's default error body, which OpenCX uses for its errors (`ErrorDto`). */
export interface OpenCxErrorBody {
  statusCode?: number;
  message?: string | string[];
  error?: string;
}

/** Everything the transport knows about a non-2xx answer. */
export interface OpenCxApiErrorInit {
  status: number;
  /** The parsed `ErrorDto`, already scrubbed of the request's secrets; undefined when the body was not JSON. */
  body?: OpenCxErrorBody;
  /** Seconds to wait before retrying, from `Retry-After` (or `retry-after-ms`), when the answer had one. */
  retryAfter?: number;
}

/**
 * OpenCX answered with a non-2xx status (`status` says which). A refused key and a rate limit have
 * subclasses of their own, as a caller acts on them differently.
 */
export class OpenCxApiError extends OpenCxError {
  /** The HTTP status OpenCX answered with. */
  readonly status: number;
  /** The upstream `ErrorDto`, when the body was one, scrubbed of the request's secrets. */
  readonly body?: OpenCxErrorBody;
  /** Seconds the upstream asked us to wait (`Retry-After`), when it said. */
  readonly retryAfter?: number;

  constructor(init: OpenCxApiErrorInit) {
    super(apiErrorMessage(init));
    this.status = init.status;
    this.body = init.body;
    this.retryAfter = init.retryAfter;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), status: this.status, retryAfter: this.retryAfter };
  }
}

/** 401 or 403: OpenCX refused the API key, or the key lacks the scope for this endpoint. Check the configuration. */
export class OpenCxAuthenticationError extends OpenCxApiError {}
/** 429: over OpenCX's rate limit; `retryAfter` says for how long, when known. */
export class OpenCxRateLimitError extends OpenCxApiError {}

/** The {@link OpenCxApiError} class for a status: the two a caller acts on apart, the rest by `status`. */
export function createOpenCxApiError(init: OpenCxApiErrorInit): OpenCxApiError {
  if (init.status === 401 || init.status === 403) return new OpenCxAuthenticationError(init);
  if (init.status === 429) return new OpenCxRateLimitError(init);
  return new OpenCxApiError(init);
}

const MAX_UPSTREAM_MESSAGE_LENGTH = 300;

function apiErrorMessage({ status, body }: OpenCxApiErrorInit): string {
  const upstream = Array.isArray(body?.message) ? body.message.join('; ') : body?.message;
  const detail = upstream
    ? `: ${upstream.slice(0, MAX_UPSTREAM_MESSAGE_LENGTH)}`
    : body?.error
      ? `: ${body.error}`
      : '';
  return `OpenCX answered ${status}${detail}`;
}
