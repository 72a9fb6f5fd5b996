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

/** The part of class-validator's `ValidationError` the library reads (its public shape). */
export interface OpenCxClassValidatorError {
  property: string;
  constraints?: Record<string, string>;
  children?: OpenCxClassValidatorError[];
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
  static fromValidationErrors(errors: OpenCxClassValidatorError[]): OpenCxValidationError {
    const flatten = (list: OpenCxClassValidatorError[], parent: string): OpenCxFieldError[] =>
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

/** OpenCX answered with a non-2xx status. Subclasses name the status family. */
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

/** 400: OpenCX refused the payload. */
export class OpenCxBadRequestError extends OpenCxApiError {}
/** 401: OpenCX refused the API key. */
export class OpenCxAuthenticationError extends OpenCxApiError {}
/** 403: the API key may not use this endpoint. */
export class OpenCxPermissionDeniedError extends OpenCxApiError {}
/** 404: the endpoint or organisation was not found (check `baseUrl`). */
export class OpenCxNotFoundError extends OpenCxApiError {}
/** 409: a conflicting contact. */
export class OpenCxConflictError extends OpenCxApiError {}
/** 422: the payload was well-formed but refused. */
export class OpenCxUnprocessableEntityError extends OpenCxApiError {}
/** 429: over OpenCX's rate limit; `retryAfter` says for how long, when known. */
export class OpenCxRateLimitError extends OpenCxApiError {}
/** 5xx: OpenCX (or a proxy in front of it) failed. */
export class OpenCxInternalServerError extends OpenCxApiError {}

const API_ERROR_BY_STATUS: Readonly<Record<number, typeof OpenCxApiError>> = {
  400: OpenCxBadRequestError,
  401: OpenCxAuthenticationError,
  403: OpenCxPermissionDeniedError,
  404: OpenCxNotFoundError,
  409: OpenCxConflictError,
  422: OpenCxUnprocessableEntityError,
  429: OpenCxRateLimitError,
};

/** Picks the {@link OpenCxApiError} subclass for a status, as openai-node's `APIError.generate` does. */
export function createOpenCxApiError(init: OpenCxApiErrorInit): OpenCxApiError {
  const ErrorClass =
    API_ERROR_BY_STATUS[init.status] ?? (init.status >= 500 ? OpenCxInternalServerError : OpenCxApiError);
  return new ErrorClass(init);
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
