import { jest } from '@jest/globals';
import { Logger, type ArgumentsHost } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import {
  OpenCxAbortError,
  OpenCxConfigurationError,
  OpenCxConnectionError,
  OpenCxInvalidResponseError,
  OpenCxTimeoutError,
  OpenCxValidationError,
  createOpenCxApiError,
  type OpenCxError,
} from './errors/opencx.errors.js';
import { OpenCxExceptionFilter, mapOpenCxError } from './opencx-exception.filter.js';

describe('mapOpenCxError', () => {
  it.each<[string, OpenCxError, number]>([
    ['upstream 401 (our key refused)', createOpenCxApiError({ status: 401 }), 502],
    ['upstream 403', createOpenCxApiError({ status: 403 }), 502],
    ['upstream 400', createOpenCxApiError({ status: 400, body: { message: 'secret detail' } }), 502],
    ['upstream 500', createOpenCxApiError({ status: 500 }), 502],
    ['connection error', new OpenCxConnectionError('ECONNRESET'), 502],
    ['invalid response', new OpenCxInvalidResponseError(200, 'not a JSON object'), 502],
    ['timeout', new OpenCxTimeoutError(100), 504],
    ['abort', new OpenCxAbortError(), 503],
    ['bad per-call option', new OpenCxConfigurationError(['timeout must be at least 1 ms']), 500],
  ])('%s answers with a generic body and no upstream detail', (_label, error, status) => {
    const mapping = mapOpenCxError(error);
    expect(mapping.status).toBe(status);
    expect(Object.keys(mapping.body).toSorted()).toEqual(['error', 'message', 'statusCode']);
    expect(mapping.body.statusCode).toBe(status);
    expect(JSON.stringify(mapping.body)).not.toContain('secret detail');
  });

  it('answers local validation with 400 and the field list', () => {
    const mapping = mapOpenCxError(
      new OpenCxValidationError([{ field: 'email', messages: ['email must be a valid email address'] }]),
    );
    expect(mapping).toEqual({
      status: 400,
      headers: {},
      body: {
        statusCode: 400,
        message: ['email must be a valid email address'],
        error: 'Bad Request',
        fields: [{ field: 'email', messages: ['email must be a valid email address'] }],
      },
    });
  });

  it('answers an upstream 429 with 503 and Retry-After (the upstream value rounded up, else 60)', () => {
    expect(mapOpenCxError(createOpenCxApiError({ status: 429, retryAfter: 2.2 })).headers).toEqual({
      'Retry-After': '3',
    });
    expect(mapOpenCxError(createOpenCxApiError({ status: 429 }))).toMatchObject({
      status: 503,
      headers: { 'Retry-After': '60' },
    });
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
  it('replies through the platform adapter with the mapped status, body and headers', () => {
    const { reply, setHeader, response } = run(createOpenCxApiError({ status: 429, retryAfter: 5 }));
    expect(setHeader).toHaveBeenCalledWith(response, 'Retry-After', '5');
    expect(reply).toHaveBeenCalledWith(response, expect.objectContaining({ statusCode: 503 }), 503);
  });

  it('logs an upstream refusal of our credentials as an error for the operator', () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    run(createOpenCxApiError({ status: 401 }));
    expect(error).toHaveBeenCalledWith(expect.stringContaining("refused the organisation's API key"));
    error.mockRestore();
  });
});
