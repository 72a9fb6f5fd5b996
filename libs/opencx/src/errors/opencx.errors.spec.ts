import { STATUS_CODES } from 'node:http';
import { HttpException } from '@nestjs/common';
import {
  OpenCxAbortError,
  OpenCxApiError,
  OpenCxAuthenticationError,
  OpenCxClientRateLimitError,
  OpenCxConfigurationError,
  OpenCxConnectionError,
  OpenCxError,
  OpenCxInvalidResponseError,
  OpenCxRateLimitError,
  OpenCxTimeoutError,
  OpenCxValidationError,
  createOpenCxApiError,
} from './opencx.errors.js';

describe('OpenCX errors', () => {
  it.each([
    [400, OpenCxApiError],
    [401, OpenCxAuthenticationError],
    [403, OpenCxAuthenticationError],
    [404, OpenCxApiError],
    [422, OpenCxApiError],
    [429, OpenCxRateLimitError],
    [500, OpenCxApiError],
    [599, OpenCxApiError],
  ])(
    'createOpenCxApiError(%i) builds the class for that status, an OpenCxApiError and an OpenCxError',
    (status, ErrorClass) => {
      const error = createOpenCxApiError({ status, body: { statusCode: status, message: 'upstream says no' } });
      expect(error).toBeInstanceOf(ErrorClass);
      expect(error).toBeInstanceOf(OpenCxApiError);
      expect(error).toBeInstanceOf(OpenCxError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(ErrorClass.name);
      expect(error.upstreamStatus).toBe(status);
      expect(error.message).toBe(`OpenCX answered ${status}: upstream says no`);
    },
  );

  it('uses the base class for statuses without a family (e.g. 418)', () => {
    const error = createOpenCxApiError({ status: 418 });
    expect(error.constructor).toBe(OpenCxApiError);
    expect(error.message).toBe('OpenCX answered 418');
  });

  it('keeps retryAfter on a rate-limit error and shows it in JSON, but never the body', () => {
    const error = createOpenCxApiError({
      status: 429,
      retryAfter: 30,
      body: { message: ['a', 'b'], error: 'Too Many' },
    });
    expect(error).toBeInstanceOf(OpenCxRateLimitError);
    expect(error.retryAfter).toBe(30);
    expect(error.message).toBe('OpenCX answered 429: a; b');
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'OpenCxRateLimitError',
      message: 'OpenCX answered 429: a; b',
      upstreamStatus: 429,
      retryAfter: 30,
    });
  });

  it("shows a client-side refusal's retryAfter and reason in JSON", () => {
    expect(JSON.parse(JSON.stringify(new OpenCxClientRateLimitError(3, 'max-queue')))).toEqual({
      name: 'OpenCxClientRateLimitError',
      message: 'Client-side rate limit (rateLimit option): no slot for 3 s (max-queue)',
      retryAfter: 3,
      reason: 'max-queue',
    });
  });

  it('answers an error of a status Node has no phrase for with the generic "Error"', () => {
    expect(new OpenCxError('custom', 599, 'try later').getResponse()).toEqual({
      statusCode: 599,
      message: 'try later',
      error: 'Error',
    });
  });

  it('truncates a long upstream message', () => {
    const error = createOpenCxApiError({ status: 400, body: { message: 'x'.repeat(5000) } });
    expect(error.message.length).toBeLessThan(400);
  });

  it('falls back to the ErrorDto error field when there is no message', () => {
    expect(createOpenCxApiError({ status: 502, body: { error: 'Bad Gateway' } }).message).toBe(
      'OpenCX answered 502: Bad Gateway',
    );
  });

  it.each([
    [new OpenCxTimeoutError(250), 'OpenCxTimeoutError', /250 ms/],
    [new OpenCxConnectionError('ECONNRESET'), 'OpenCxConnectionError', /ECONNRESET/],
    [new OpenCxConnectionError(undefined), 'OpenCxConnectionError', /^Connection to OpenCX failed$/],
    [new OpenCxAbortError(), 'OpenCxAbortError', /aborted/],
    [new OpenCxInvalidResponseError(200, 'not a JSON object'), 'OpenCxInvalidResponseError', /200.*not a JSON object/],
    [new OpenCxConfigurationError(['timeout must be at least 1 ms']), 'OpenCxConfigurationError', /timeout/],
  ])('%p is an OpenCxError named %s with a safe message', (error, name, message) => {
    expect(error).toBeInstanceOf(OpenCxError);
    expect(error.name).toBe(name);
    expect(error.message).toMatch(message);
    expect(String(error)).toBe(`${name}: ${error.message}`);
  });

  it('lists every bad field of a validation error', () => {
    const error = new OpenCxValidationError([
      { field: 'email', messages: ['email must be a valid email address'] },
      {
        field: 'http_action_overrides.headers',
        messages: ['headers values must not contain CR, LF or other control characters'],
      },
    ]);
    expect(error.message).toContain('email (email must be a valid email address)');
    expect(error.message).toContain('http_action_overrides.headers');
    expect(JSON.parse(JSON.stringify(error)).errors).toHaveLength(2);
  });

  it.each([
    ['an upstream 429 with Retry-After: 30', createOpenCxApiError({ status: 429, retryAfter: 30 }), 30],
    ['an upstream 429 with Retry-After: 2.2 (rounded up)', createOpenCxApiError({ status: 429, retryAfter: 2.2 }), 3],
    [
      'an upstream 429 with Retry-After: 0 (at least a second)',
      createOpenCxApiError({ status: 429, retryAfter: 0 }),
      1,
    ],
    ["an upstream 429 that did not say (OpenCX's minute)", createOpenCxApiError({ status: 429 }), 60],
    ['a client-side refusal', new OpenCxClientRateLimitError(7, 'max-wait'), 7],
  ])('%s answers 503 with retryAfter in seconds in its body', (_label, error, seconds) => {
    expect(error.getStatus()).toBe(503);
    expect(error.getResponse()).toMatchObject({ statusCode: 503, retryAfter: seconds });
  });

  it.each([
    ['a cancelled call', new OpenCxAbortError()],
    ['an upstream 500', createOpenCxApiError({ status: 500, retryAfter: 5 })],
    ['a time-out', new OpenCxTimeoutError(100)],
  ])('%s has no wait to give, and no retryAfter in its body', (_label, error) => {
    expect(error.getResponse()).not.toHaveProperty('retryAfter');
  });
});

describe('OpenCxError as an HttpException (what any filter answers)', () => {
  it.each<[string, OpenCxError, number]>([
    ['upstream 401 (our key refused)', createOpenCxApiError({ status: 401 }), 502],
    ['upstream 403', createOpenCxApiError({ status: 403 }), 502],
    ['upstream 400', createOpenCxApiError({ status: 400, body: { message: 'secret detail' } }), 502],
    ['upstream 500', createOpenCxApiError({ status: 500, body: { message: 'secret detail' } }), 502],
    ['upstream 429', createOpenCxApiError({ status: 429, body: { message: 'secret detail' } }), 503],
    ['a client-side refusal', new OpenCxClientRateLimitError(3, 'max-wait'), 503],
    ['connection error', new OpenCxConnectionError('ECONNRESET'), 502],
    ['invalid response', new OpenCxInvalidResponseError(200, 'not a JSON object'), 502],
    ['timeout', new OpenCxTimeoutError(100), 504],
    ['abort', new OpenCxAbortError(), 503],
    ['bad per-call option', new OpenCxConfigurationError(['timeout must be at least 1 ms']), 500],
  ])('%s answers with its status and a generic body, no upstream detail', (_label, error, status) => {
    expect(error).toBeInstanceOf(HttpException);
    expect(error.getStatus()).toBe(status);
    const body = error.getResponse() as Record<string, unknown>;
    // A 503 that knows its wait says it too, in seconds (as Retry-After does).
    const keys =
      status === 503 && 'retryAfter' in error
        ? ['error', 'message', 'retryAfter', 'statusCode']
        : ['error', 'message', 'statusCode'];
    expect(Object.keys(body).toSorted()).toEqual(keys);
    expect(body).toMatchObject({ statusCode: status, error: STATUS_CODES[status] });
    expect(JSON.stringify(body)).not.toContain('secret detail');
  });

  it('answers local validation with 400 and the field list', () => {
    const error = new OpenCxValidationError([{ field: 'email', messages: ['email must be a valid email address'] }]);
    expect(error.getStatus()).toBe(400);
    expect(error.getResponse()).toEqual({
      statusCode: 400,
      message: ['email must be a valid email address'],
      error: 'Bad Request',
      fields: [{ field: 'email', messages: ['email must be a valid email address'] }],
    });
  });

  it('keeps its own detailed message apart from the generic body', () => {
    const error = createOpenCxApiError({ status: 503, body: { message: 'upstream detail' } });
    expect(error.message).toBe('OpenCX answered 503: upstream detail');
    expect((error.getResponse() as { message: string }).message).toBe('OpenCX is unavailable');
  });
});
