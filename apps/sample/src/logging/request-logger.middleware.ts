import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * One log line per request: method, route pattern (never the raw URL, whose query may hold PII),
 * status, duration and a request id (the caller's `x-request-id` when well-formed, else a new
 * UUID, echoed in the answer). No headers and no bodies are logged.
 */
export function requestLogger(logger: LoggerService, json: boolean) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const header = request.headers['x-request-id'];
    const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    response.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const route = (request.route as { path?: string } | undefined)?.path ?? '(unmatched)';
      const durationMs = Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
      const line = {
        msg: 'request',
        method: request.method,
        route,
        status: response.statusCode,
        durationMs,
        requestId,
      };
      logger.log(
        json ? line : `${line.method} ${route} ${line.status} ${durationMs}ms request_id=${requestId}`,
        'HTTP',
      );
    });
    next();
  };
}
