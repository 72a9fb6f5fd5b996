import { STATUS_CODES } from 'node:http';
import { HttpException, HttpStatus } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { fieldPath, messageAbout } from './field-path.js';

/** One field of the input that failed validation, by its dotted path (e.g. `http_action_overrides.headers`). */
export interface OpenCxFieldError {
  /** The field's path in the request body, with the spec's names. */
  field: string;
  /** What is wrong with it, e.g. `email must be an email`; never the value itself. */
  messages: string[];
}

/**
 * The body an error answers your API's caller with: NestJS's default shape, `fields` on a 400, and
 * `retryAfter` (seconds, as the `Retry-After` header says) on a 503 that knows how long to wait.
 */
interface ErrorAnswer {
  statusCode: number;
  message: string | string[];
  error: string;
  fields?: OpenCxFieldError[];
  retryAfter?: number;
}

function answer(status: number, message: string | string[], fields?: OpenCxFieldError[]): ErrorAnswer {
  const body: ErrorAnswer = { statusCode: status, message, error: STATUS_CODES[status] ?? 'Error' };
  if (fields) body.fields = fields;
  return body;
}

/** A 503's body with the wait in whole seconds, at least one: what `Retry-After` carries. */
function waitAnswer(message: string, seconds: number): ErrorAnswer {
  return { ...answer(HttpStatus.SERVICE_UNAVAILABLE, message), retryAfter: Math.max(1, Math.ceil(seconds)) };
}

/** The wait given when OpenCX's 429 did not say how long: its limit is per minute. */
const DEFAULT_RATE_LIMIT_WAIT_SECONDS = 60;

/**
 * The error tree of nestjs-opencx. Every error the library throws is an {@link OpenCxError}, so one
 * `instanceof` check catches them all; subclasses tell the failure apart without string matching.
 *
 * Each is also an `HttpException`, as NestJS's own `ThrottlerException` is: any exception filter
 * (Nest's default, the catch-all from Nest's documentation, a `BaseExceptionFilter` subclass, your
 * own) answers it with `getStatus()` (400 for bad input, 502 when OpenCX failed or refused this
 * service, 503 when rate limited, 504 on a time-out, never a 500 for OpenCX's failures) and
 * `getResponse()`, a generic body without the upstream's detail.
 *
 * Messages are built only from safe facts (status codes, field names, error codes, durations): no
 * error carries the API key, an email, a phone number or a header-override value in its message,
 * its stack, `toString()` or `JSON.stringify()`. The transport never attaches the raw HTTP client
 * error as `cause`, because that object holds the request headers, `Authorization` included.
 */
export class OpenCxError extends HttpException {
  /**
   * @param message what happened, for logs (safe facts only).
   * @param status the HTTP status your API answers with. Default 502.
   * @param caller what your API's caller reads. Default a generic "OpenCX is unavailable".
   */
  constructor(
    message: string,
    status: number = HttpStatus.BAD_GATEWAY,
    caller: string | string[] | ErrorAnswer = 'OpenCX is unavailable',
  ) {
    super(typeof caller === 'object' && !Array.isArray(caller) ? caller : answer(status, caller), status);
    // HttpException took its message from the caller's body: the error's own is the detailed one.
    this.message = message;
    this.name = new.target.name;
  }

  /** What `JSON.stringify` shows: the name and the safe message, nothing else. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message };
  }
}

/** Bad module or per-call options. Names the options, never prints their values. Answered as 500. */
export class OpenCxConfigurationError extends OpenCxError {
  constructor(readonly problems: string[]) {
    super(
      `Invalid OpenCxModule options: ${problems.join('; ')}`,
      HttpStatus.INTERNAL_SERVER_ERROR,
      'Internal server error',
    );
  }
}

// Bounds of a validation error's answer: the first fields, each with its first messages.
const MAX_FIELD_ERRORS = 20;
const MAX_FIELD_MESSAGES = 5;
const MAX_MESSAGE = 300;

/**
 * The input failed the DTO's rules (nothing was sent to OpenCX), or OpenCX refused the one input only
 * it can judge, a list's `cursor`. Answered as 400, with `fields`.
 */
export class OpenCxValidationError extends OpenCxError {
  constructor(readonly errors: OpenCxFieldError[]) {
    super(
      `Invalid input: ${errors.map((e) => `${e.field} (${e.messages.join('; ')})`).join(', ')}`,
      HttpStatus.BAD_REQUEST,
      answer(
        HttpStatus.BAD_REQUEST,
        errors.flatMap((e) => e.messages),
        errors,
      ),
    );
  }

  /**
   * From class-validator's errors, one entry per bad field by dotted path: for a `ValidationPipe`'s
   * `exceptionFactory`, so a controller's 400 has the same `fields` as the library's own.
   *
   * @example new ValidationPipe({ exceptionFactory: (errors) => OpenCxValidationError.fromValidationErrors(errors) })
   */
  static fromValidationErrors(errors: ValidationError[]): OpenCxValidationError {
    // Bounded: a body with thousands of bad items gets a short answer, built in little time.
    const fields: OpenCxFieldError[] = [];
    const visit = (list: ValidationError[], parent: string): void => {
      for (const error of list) {
        if (fields.length >= MAX_FIELD_ERRORS) return;
        const field = fieldPath(parent, error.property);
        const messages = Object.values(error.constraints ?? {}).slice(0, MAX_FIELD_MESSAGES);
        if (messages.length > 0)
          fields.push({ field, messages: messages.map((m) => messageAbout(error.property, m, MAX_MESSAGE)) });
        visit(error.children ?? [], field);
      }
    };
    visit(errors, '');
    return new OpenCxValidationError(fields);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), errors: this.errors };
  }
}

/** The call did not complete within its `timeout` or `totalTimeout`. Answered as 504. */
export class OpenCxTimeoutError extends OpenCxError {
  constructor(readonly timeout: number) {
    super(`OpenCX did not answer within ${timeout} ms`, HttpStatus.GATEWAY_TIMEOUT, 'OpenCX did not answer in time');
  }
}

/** The connection failed (refused, reset, DNS, TLS) before a complete answer arrived. Answered as 502. */
export class OpenCxConnectionError extends OpenCxError {
  constructor(readonly code: string | undefined) {
    super(`Connection to OpenCX failed${code ? ` (${code})` : ''}`);
  }
}

/**
 * The call ended before an answer: the caller's `AbortSignal` fired, or the application is shutting
 * down. No further attempt was made. Answered as 503.
 */
export class OpenCxAbortError extends OpenCxError {
  constructor(reason = 'The OpenCX request was aborted by the caller') {
    super(reason, HttpStatus.SERVICE_UNAVAILABLE, 'The request was cancelled');
  }
}

/** OpenCX answered 2xx, but not with the documented `{ token, contact: { id } }` shape. Answered as 502. */
export class OpenCxInvalidResponseError extends OpenCxError {
  constructor(
    readonly upstreamStatus: number,
    reason: string,
  ) {
    super(`OpenCX answered ${upstreamStatus} with an invalid body: ${reason}`);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), upstreamStatus: this.upstreamStatus };
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
  /** The HTTP status OpenCX answered with. */
  status: number;
  /** The parsed `ErrorDto`, already scrubbed of the request's secrets; undefined when the body was not JSON. */
  body?: OpenCxErrorBody;
  /** Seconds to wait before retrying, from `Retry-After` (or `retry-after-ms`), when the answer had one. */
  retryAfter?: number;
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

/**
 * OpenCX answered with a non-2xx status (`upstreamStatus` says which; `getStatus()` is what your
 * API answers: 502, or 503 for a rate limit). A refused key and a rate limit have subclasses of
 * their own, as a caller acts on them differently.
 */
export class OpenCxApiError extends OpenCxError {
  /** The HTTP status OpenCX answered with. */
  readonly upstreamStatus: number;
  /** The upstream `ErrorDto`, when the body was one, scrubbed of the request's secrets. */
  readonly body?: OpenCxErrorBody;
  /** Seconds the upstream asked us to wait (`Retry-After`), when it said. */
  readonly retryAfter?: number;

  constructor(init: OpenCxApiErrorInit, status: number = HttpStatus.BAD_GATEWAY, caller?: string | ErrorAnswer) {
    super(apiErrorMessage(init), status, caller);
    this.upstreamStatus = init.status;
    this.body = init.body;
    this.retryAfter = init.retryAfter;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), upstreamStatus: this.upstreamStatus, retryAfter: this.retryAfter };
  }
}

/**
 * 401 or 403: OpenCX refused the API key, or the key lacks the scope for this endpoint. Only the
 * operator can fix it: check the configuration. Answered as 502.
 */
export class OpenCxAuthenticationError extends OpenCxApiError {}

/**
 * 429: OpenCX refused the call over its rate limit; `retryAfter` says for how long, when it said.
 * Answered as 503, its body's `retryAfter` that wait in whole seconds (60 when OpenCX did not say).
 */
export class OpenCxRateLimitError extends OpenCxApiError {
  constructor(init: OpenCxApiErrorInit) {
    super(
      init,
      HttpStatus.SERVICE_UNAVAILABLE,
      waitAnswer(
        'OpenCX is rate limiting this service; retry later',
        init.retryAfter ?? DEFAULT_RATE_LIMIT_WAIT_SECONDS,
      ),
    );
  }
}

/**
 * The library's own client-side limit refused the call before anything was sent: no slot within
 * `rateLimit.maxWait` (or the call's time left), too many calls waiting (`rateLimit.maxQueue`), or
 * the key paused after an upstream 429. `retryAfter` says when a slot is expected. Answered as 503,
 * with that `retryAfter` in its body.
 */
export class OpenCxClientRateLimitError extends OpenCxError {
  constructor(
    /** Seconds until a slot is expected. */
    readonly retryAfter: number,
    /** Which bound refused the call. */
    readonly reason: 'max-wait' | 'max-queue' | 'time-left',
  ) {
    super(
      `Client-side rate limit (rateLimit option): no slot for ${retryAfter} s (${reason})`,
      HttpStatus.SERVICE_UNAVAILABLE,
      waitAnswer('This service is over its OpenCX quota; retry later', retryAfter),
    );
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfter: this.retryAfter, reason: this.reason };
  }
}

/**
 * The fleet store failed an operation that must reach it (evicting a contact across the fleet):
 * the fleet may still hold what was to be removed. Answered as 503.
 */
export class OpenCxStoreError extends OpenCxError {
  constructor(message: string) {
    super(message, HttpStatus.SERVICE_UNAVAILABLE, 'The shared store is unavailable; retry later');
  }
}

/** The {@link OpenCxApiError} class for a status: the two a caller acts on apart, the rest by `upstreamStatus`. */
export function createOpenCxApiError(init: OpenCxApiErrorInit): OpenCxApiError {
  if (init.status === 401 || init.status === 403) return new OpenCxAuthenticationError(init);
  if (init.status === 429) return new OpenCxRateLimitError(init);
  return new OpenCxApiError(init);
}
