import type { NextFunction, Request, Response } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * helmet for JSON answers, after OWASP's REST Security Cheat Sheet: a CSP that lets the answer load
 * nothing and be framed by nobody, HSTS, `nosniff`, `X-Frame-Options: DENY`, no referrer, and
 * same-origin resource policy. The headers that only protect HTML documents (cross-origin opener
 * policy, origin-agent clustering, DNS prefetch, IE's download and XSS-filter switches, Flash's
 * cross-domain policy) are left out: on every answer they cost time and protect nothing.
 */
const API_HEADERS: HelmetOptions = {
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
 * Security headers per kind of answer: helmet's defaults for the Swagger UI pages under `docsPath`
 * (an HTML app), the API set above for everything else, plus `Cache-Control: no-store`, since the
 * answers carry contact tokens that no cache may keep.
 */
export function securityHeaders(docsPath: string) {
  const docs = helmet();
  const api = helmet(API_HEADERS);
  return (request: Request, response: Response, next: NextFunction): void => {
    if (
      request.path === docsPath ||
      request.path.startsWith(`${docsPath}/`) ||
      request.path.startsWith(`${docsPath}-`)
    ) {
      docs(request, response, next);
      return;
    }
    response.setHeader('cache-control', 'no-store');
    api(request, response, next);
  };
}
