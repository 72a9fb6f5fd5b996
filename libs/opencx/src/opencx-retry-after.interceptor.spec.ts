import { jest } from '@jest/globals';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { lastValueFrom, of, throwError } from 'rxjs';
import { logged } from '../test/logged.js';
import {
  OpenCxClientRateLimitError,
  OpenCxTimeoutError,
  OpenCxValidationError,
  createOpenCxApiError,
} from './errors/opencx.errors.js';
import { OpenCxRetryAfterInterceptor } from './opencx-retry-after.interceptor.js';

/** An interceptor over a stand-in HTTP adapter (one application's), and what it did to one response. */
function setup(type = 'http', host = { httpAdapter: { setHeader: jest.fn() } }) {
  const { setHeader } = host.httpAdapter;
  const interceptor = new OpenCxRetryAfterInterceptor(host as unknown as HttpAdapterHost);
  const response = {};
  const context = {
    getType: () => type,
    switchToHttp: () => ({ getResponse: () => response }),
  } as unknown as ExecutionContext;
  /** Runs a handler that fails with `error` (for `on`'s response); resolves with what the caller's filter would receive. */
  const fail = (error: unknown, on: ExecutionContext = context): Promise<unknown> =>
    lastValueFrom(interceptor.intercept(on, { handle: () => throwError(() => error) } as CallHandler)).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
  return { interceptor, context, setHeader, response, fail, host };
}

/** Another request's context, with its own response. */
function otherRequest() {
  const response = {};
  const context = { getType: () => 'http', switchToHttp: () => ({ getResponse: () => response }) };
  return { response, context: context as unknown as ExecutionContext };
}

describe('OpenCxRetryAfterInterceptor', () => {
  it('sets Retry-After from the error and rethrows the very same error, for the app’s filter to answer', async () => {
    const { fail, setHeader, response } = setup();
    const error = createOpenCxApiError({ status: 429, retryAfter: 2.2 });
    expect(await fail(error)).toBe(error);
    expect(setHeader).toHaveBeenCalledWith(response, 'Retry-After', '3');
  });

  it.each([
    ['an upstream 429 that gave no wait', createOpenCxApiError({ status: 429 }), '60'],
    ['a client-side refusal', new OpenCxClientRateLimitError(7, 'max-queue'), '7'],
  ])('sends the wait the body carries for %s', async (_label, error, header) => {
    const { fail, setHeader } = setup();
    await fail(error);
    expect(setHeader).toHaveBeenCalledWith({}, 'Retry-After', header);
    expect(error.getResponse()).toMatchObject({ retryAfter: Number(header) });
  });

  it('sets nothing for an answer without a wait, nor for errors not its own', async () => {
    const { fail, setHeader } = setup();
    const timeout = new OpenCxTimeoutError(5);
    expect(await fail(timeout)).toBe(timeout);
    const other = new Error('not ours');
    expect(await fail(other)).toBe(other);
    expect(setHeader).not.toHaveBeenCalled();
  });

  it('lets a successful answer through untouched', async () => {
    const { interceptor, context, setHeader } = setup();
    const handler = { handle: () => of({ token: 't' }) } as CallHandler;
    expect(await lastValueFrom(interceptor.intercept(context, handler))).toEqual({ token: 't' });
    expect(setHeader).not.toHaveBeenCalled();
  });

  it.each(['rpc', 'graphql', 'ws'])(
    'outside HTTP (%s) hands the typed error on unchanged and sets nothing',
    async (type) => {
      const { fail, setHeader } = setup(type);
      const error = createOpenCxApiError({ status: 429, retryAfter: 3 });
      expect(await fail(error)).toBe(error);
      expect(setHeader).not.toHaveBeenCalled();
    },
  );

  describe('its log lines', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('say class and status only, never the message (which may carry upstream text)', async () => {
      const { fail } = setup();
      const error = createOpenCxApiError({ status: 500, body: { message: 'upstream says sk_live_secret' } });
      const lines = await logged(() => fail(error));
      expect(lines).toEqual([['warn', 'OpenCxApiError answered as 502', 'OpenCx']]);
    });

    it('come once a minute per kind of answer, then say how many more there were', async () => {
      const { fail } = setup();
      const limited = () => fail(new OpenCxClientRateLimitError(1, 'max-wait'));
      const lines = await logged(async () => {
        for (let i = 0; i < 50; i++) await limited();
        await fail(createOpenCxApiError({ status: 503 }));
        jest.advanceTimersByTime(59_000);
        await limited();
        jest.advanceTimersByTime(1_000);
        await limited();
        await limited();
      });
      expect(lines.map(([, message]) => message)).toEqual([
        'OpenCxClientRateLimitError answered as 503',
        'OpenCxApiError answered as 502',
        'OpenCxClientRateLimitError answered as 503 (50 more since the last line)',
      ]);
    });

    it('leave a refused key (logged by the registration) and 4xx answers out', async () => {
      const { fail } = setup();
      const lines = await logged(async () => {
        await fail(createOpenCxApiError({ status: 401 }));
        await fail(createOpenCxApiError({ status: 403 }));
        await fail(new OpenCxValidationError([{ field: 'email', messages: ['email must be an email'] }]));
      });
      expect(lines).toEqual([]);
    });

    it('count an error once, however many of these interceptors it crosses on its way to one answer', async () => {
      const first = setup();
      const second = setup('http', first.host);
      const error = createOpenCxApiError({ status: 500 });
      const lines = await logged(async () => {
        await first.fail(error);
        await second.fail(error, first.context);
        jest.advanceTimersByTime(60_000);
        await first.fail(createOpenCxApiError({ status: 500 }));
      });
      expect(lines.map(([, message]) => message)).toEqual([
        'OpenCxApiError answered as 502',
        'OpenCxApiError answered as 502',
      ]);
    });

    it('come once a window per application, however many modules made their own interceptor', async () => {
      const host = { httpAdapter: { setHeader: jest.fn() } };
      const modules = [setup('http', host), setup('http', host), setup('http', host)];
      const otherApp = setup();
      const lines = await logged(async () => {
        for (const { fail } of [...modules, ...modules]) await fail(new OpenCxClientRateLimitError(7, 'max-wait'));
        await otherApp.fail(new OpenCxClientRateLimitError(7, 'max-wait'));
        jest.advanceTimersByTime(60_000);
        await modules[2]!.fail(new OpenCxClientRateLimitError(7, 'max-wait'));
      });
      expect(lines.map(([, message]) => message)).toEqual([
        'OpenCxClientRateLimitError answered as 503',
        'OpenCxClientRateLimitError answered as 503',
        'OpenCxClientRateLimitError answered as 503 (5 more since the last line)',
      ]);
    });
  });

  it('sets Retry-After on every answer one error makes (identical calls sharing one flight), counting each', async () => {
    jest.useFakeTimers();
    try {
      const { fail, setHeader, response } = setup();
      const other = otherRequest();
      const error = createOpenCxApiError({ status: 429, retryAfter: 7 });
      const lines = await logged(async () => {
        expect(await fail(error)).toBe(error);
        expect(await fail(error, other.context)).toBe(error);
        jest.advanceTimersByTime(60_000);
        await fail(createOpenCxApiError({ status: 429, retryAfter: 7 }));
      });
      expect(setHeader.mock.calls).toEqual([
        [response, 'Retry-After', '7'],
        [other.response, 'Retry-After', '7'],
        [response, 'Retry-After', '7'],
      ]);
      expect(lines.map(([, message]) => message)).toEqual([
        'OpenCxRateLimitError answered as 503',
        'OpenCxRateLimitError answered as 503 (1 more since the last line)',
      ]);
    } finally {
      jest.useRealTimers();
    }
  });
});
