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
});
