import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * helmet for JSON answers, after OWASP's REST Security Cheat Sheet: a CSP that lets the answer load
 * nothing and be framed by nobody, HSTS, `nosniff`, `X-Frame-Options: DENY`, no referrer, and
 * same-origin resource policy. The headers that only protect HTML documents (cross-origin opener
 * policy, origin-agent clustering, DNS prefetch, IE's download and XSS-filter switches, Flash's
 * cross-domain policy) are left out: on every answer they cost time and protect nothing.
 */
export const API_HEADERS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  referrerPolicy: { policy: 'no-referrer' },
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xFrameOptions: { action: 'deny' },
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
};

/**
 * The headers a helmet middleware sets, read once by running it against a recording response.
 * With a fixed configuration (no per-request CSP nonce) they are the same on every answer, and
 * setting them from a list skips helmet's chain of a dozen nested middleware and its rebuild of
 * the CSP string per request. helmet also removes `X-Powered-By`; the app turns that header off.
 */
export function headersSetBy(middleware: ReturnType<typeof helmet>): ReadonlyArray<readonly [string, string]> {
  const headers: Array<readonly [string, string]> = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => headers.push([name, String(value)]),
    removeHeader: () => undefined,
  };
  let done = false;
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error instanceof Error ? error : new Error('helmet refused its configuration');
    done = true;
  });
  if (!done) throw new Error('helmet did not finish synchronously: its headers cannot be precomputed');
  return headers;
}

/**
 * Security headers per kind of answer: helmet's defaults for the Swagger UI pages under `docsPath`
 * (an HTML app), the API set above for everything else, plus `Cache-Control: no-store`, since the
 * answers carry contact tokens that no cache may keep.
 */
export function securityHeaders(docsPath: string) {
  const docs = helmet();
  const api = [['cache-control', 'no-store'] as const, ...headersSetBy(helmet(API_HEADERS))];
  return (request: Request, response: Response, next: NextFunction): void => {
    // `request.path` is a getter that parses the URL: read it once.
    const path = request.path;
    if (path === docsPath || path.startsWith(`${docsPath}/`) || path.startsWith(`${docsPath}-`)) {
      docs(request, response, next);
      return;
    }
    for (const [name, value] of api) response.setHeader(name, value);
    next();
  };
}
