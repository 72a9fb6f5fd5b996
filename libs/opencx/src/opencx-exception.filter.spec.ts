import { jest } from '@jest/globals';
import { STATUS_CODES } from 'node:http';
import { HttpException, Logger, type ArgumentsHost } from '@nestjs/common';
import { logged } from '../test/logged.js';
import type { HttpAdapterHost } from '@nestjs/core';
import {
  OpenCxAbortError,
  OpenCxClientRateLimitError,
  OpenCxConfigurationError,
  OpenCxConnectionError,
  OpenCxInvalidResponseError,
  OpenCxTimeoutError,
  OpenCxValidationError,
  createOpenCxApiError,
  type OpenCxError,
} from './errors/opencx.errors.js';
import { OpenCxExceptionFilter } from './opencx-exception.filter.js';

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
    expect(Object.keys(body).toSorted()).toEqual(['error', 'message', 'statusCode']);
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

/** Runs the filter with a stand-in platform adapter and returns what it was called with. */
function run(error: OpenCxError) {
  const reply = jest.fn();
  const setHeader = jest.fn();
  const adapterHost = { httpAdapter: { reply, setHeader } } as unknown as HttpAdapterHost;
  const response = {};
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({ getResponse: () => response }),
  } as unknown as ArgumentsHost;
  new OpenCxExceptionFilter(adapterHost).catch(error, host);
  return { reply, setHeader, response };
}

describe('OpenCxExceptionFilter', () => {
  // The filter's log lines are checked where they matter, and kept off the test output.
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('replies through the platform adapter with the mapped status, body and headers', () => {
    const { reply, setHeader, response } = run(createOpenCxApiError({ status: 429, retryAfter: 5 }));
    expect(setHeader).toHaveBeenCalledWith(response, 'Retry-After', '5');
    expect(reply).toHaveBeenCalledWith(response, expect.objectContaining({ statusCode: 503 }), 503);
  });

  it('sends Retry-After for a rate limit only: the upstream value rounded up, else 60; the client-side wait', () => {
    expect(run(createOpenCxApiError({ status: 429, retryAfter: 2.2 })).setHeader).toHaveBeenCalledWith(
      {},
      'Retry-After',
      '3',
    );
    expect(run(createOpenCxApiError({ status: 429 })).setHeader).toHaveBeenCalledWith({}, 'Retry-After', '60');
    expect(run(new OpenCxClientRateLimitError(7, 'max-queue')).setHeader).toHaveBeenCalledWith({}, 'Retry-After', '7');
    expect(run(new OpenCxTimeoutError(5)).setHeader).not.toHaveBeenCalled();
  });

  it('warns once per 5xx answer, but leaves a refused key to the registration (which logs it in any context)', () => {
    run(createOpenCxApiError({ status: 401 }));
    expect(Logger.prototype.error).not.toHaveBeenCalled();
    expect(Logger.prototype.warn).not.toHaveBeenCalled();
    run(createOpenCxApiError({ status: 500 }));
    expect(Logger.prototype.warn).toHaveBeenCalledWith(expect.stringContaining('OpenCxApiError answered as 502'));
  });

  it('logs under the OpenCx context', async () => {
    jest.restoreAllMocks();
    const lines = await logged(() => run(createOpenCxApiError({ status: 500 })));
    expect(lines).toEqual([['warn', expect.stringContaining('OpenCxApiError answered as 502'), 'OpenCx']]);
  });
});
