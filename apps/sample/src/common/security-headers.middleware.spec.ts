import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { API_HEADERS, headersSetBy, securityHeaders } from './security-headers.middleware.js';

const newResponse = () => new ServerResponse(new IncomingMessage(new Socket()));

/** The headers a middleware leaves on a real response for a request to `path`, and whether it called next. */
function headersAfter(
  middleware: (request: Request, response: Response, next: NextFunction) => void,
  path: string,
): { headers: Record<string, unknown>; nextCalled: boolean } {
  const response = newResponse();
  let nextCalled = false;
  middleware({ path } as Request, response as unknown as Response, () => {
    nextCalled = true;
  });
  return { headers: response.getHeaders(), nextCalled };
}

describe('securityHeaders', () => {
  const middleware = securityHeaders('/docs');

  it('sets on API answers exactly what helmet sets with the API configuration, plus no-store', () => {
    const expected = headersAfter(helmet(API_HEADERS) as never, '/v1/contacts/authenticate').headers;
    const { headers, nextCalled } = headersAfter(middleware, '/v1/contacts/authenticate');
    expect(nextCalled).toBe(true);
    expect(headers).toEqual({ ...expected, 'cache-control': 'no-store' });
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(6);
  });

  it.each(['/docs', '/docs/', '/docs/swagger-ui.css', '/docs-json'])('runs helmet with its defaults for %s', (path) => {
    const expected = headersAfter(helmet() as never, path).headers;
    const { headers, nextCalled } = headersAfter(middleware, path);
    expect(nextCalled).toBe(true);
    expect(headers).toEqual(expected);
    expect(headers['cache-control']).toBeUndefined();
  });

  it('keeps the header list apart per answer: one response does not leak into the next', () => {
    const first = newResponse();
    middleware({ path: '/v1/me/opencx-token' } as Request, first as unknown as Response, () => undefined);
    first.setHeader('x-extra', '1');
    expect(headersAfter(middleware, '/v1/me/opencx-token').headers['x-extra']).toBeUndefined();
  });
});

describe('headersSetBy', () => {
  it('refuses a middleware that fails', () => {
    const failing = ((_req: unknown, _res: unknown, next: (error?: unknown) => void) =>
      next(new Error('bad directive'))) as never;
    expect(() => headersSetBy(failing)).toThrow('bad directive');
  });

  it('refuses a middleware that does not finish synchronously, whose headers could depend on the request', () => {
    const later = ((_req: unknown, _res: unknown, next: () => void) => void setImmediate(next)) as never;
    expect(() => headersSetBy(later)).toThrow(/synchronously/);
  });
});
