import { STATUS_CODES } from 'node:http';
import { Catch, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { throwError, type Observable } from 'rxjs';
import type { ErrorResponseDto } from './dto/error-response.dto.js';
import {
  OpenCxAbortError,
  OpenCxAuthenticationError,
  OpenCxConfigurationError,
  OpenCxError,
  OpenCxRateLimitError,
  OpenCxTimeoutError,
  OpenCxValidationError,
} from './errors/opencx.errors.js';

/** `Retry-After` sent with a 503 when OpenCX's 429 did not say how long (its limit is per minute). */
const DEFAULT_RETRY_AFTER_SECONDS = 60;

/** What the caller gets for one library error. */
export interface OpenCxHttpMapping {
  status: number;
  body: ErrorResponseDto;
  headers: Record<string, string>;
}

function answer(status: number, message: string | string[], extra: Partial<ErrorResponseDto> = {}): ErrorResponseDto {
  return { statusCode: status, message, error: STATUS_CODES[status] ?? 'Error', ...extra };
}

/**
 * Maps a library error to the HTTP answer your API gives its caller. The caller never sees the
 * organisation's key, the upstream's body or a stack: upstream failures become 502/503/504 with a
 * generic message, and only local validation (the caller's own mistake) names fields.
 */
export function mapOpenCxError(error: OpenCxError): OpenCxHttpMapping {
  if (error instanceof OpenCxValidationError) {
    const body = answer(
      HttpStatus.BAD_REQUEST,
      error.errors.flatMap((e) => e.messages),
      { fields: error.errors },
    );
    return { status: HttpStatus.BAD_REQUEST, body, headers: {} };
  }
  if (error instanceof OpenCxRateLimitError) {
    const retryAfter = String(Math.max(1, Math.ceil(error.retryAfter ?? DEFAULT_RETRY_AFTER_SECONDS)));
    const body = answer(HttpStatus.SERVICE_UNAVAILABLE, 'OpenCX is rate limiting this service; retry later');
    return { status: HttpStatus.SERVICE_UNAVAILABLE, body, headers: { 'Retry-After': retryAfter } };
  }
  if (error instanceof OpenCxTimeoutError) {
    return {
      status: HttpStatus.GATEWAY_TIMEOUT,
      body: answer(HttpStatus.GATEWAY_TIMEOUT, 'OpenCX did not answer in time'),
      headers: {},
    };
  }
  if (error instanceof OpenCxAbortError) {
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      body: answer(HttpStatus.SERVICE_UNAVAILABLE, 'The request was cancelled'),
      headers: {},
    };
  }
  if (error instanceof OpenCxConfigurationError) {
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: answer(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error'),
      headers: {},
    };
  }
  return { status: HttpStatus.BAD_GATEWAY, body: answer(HttpStatus.BAD_GATEWAY, 'OpenCX is unavailable'), headers: {} };
}

/**
 * Exception filter for {@link OpenCxError}s, platform-agnostic (Express or Fastify). `OpenCxModule`
 * registers it globally (`APP_FILTER`) unless `exceptionFilter: false`; extend it or use
 * {@link mapOpenCxError} in your own filter to change the mapping. In HTTP contexts it answers
 * per {@link mapOpenCxError}; in microservice and other contexts the typed error goes on
 * unchanged. Upstream refusing the organisation's credentials is logged as an error for the
 * operator, since only they can fix it; the caller just sees a 502.
 */
@Catch(OpenCxError)
export class OpenCxExceptionFilter implements ExceptionFilter<OpenCxError> {
  private readonly logger = new Logger('OpenCx');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: OpenCxError, host: ArgumentsHost): void | Observable<never> | OpenCxError {
    const type = host.getType<string>();
    // A microservice handler expects an Observable of the error; GraphQL and others, the error.
    if (type === 'rpc') return throwError(() => error);
    if (type !== 'http') return error;
    const mapping = mapOpenCxError(error);
    if (error instanceof OpenCxAuthenticationError) {
      this.logger.error(`OpenCX refused the organisation's API key (${error.status}): check OPENCX credentials`);
    } else if (mapping.status >= 500) {
      this.logger.warn(`${error.name} answered as ${mapping.status}: ${error.message}`);
    }
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    for (const [name, value] of Object.entries(mapping.headers)) httpAdapter.setHeader(response, name, value);
    httpAdapter.reply(response, mapping.body, mapping.status);
  }
}
