import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { throwError, type Observable } from 'rxjs';
import {
  OpenCxAuthenticationError,
  OpenCxClientRateLimitError,
  OpenCxError,
  OpenCxRateLimitError,
} from './errors/opencx.errors.js';

/** `Retry-After` sent with a 503 when OpenCX's 429 did not say how long (its limit is per minute). */
const DEFAULT_RETRY_AFTER_SECONDS = 60;

/** Seconds a caller should wait before retrying after `error`, or undefined when waiting would not help. */
function retryAfterOf(error: OpenCxError): number | undefined {
  if (error instanceof OpenCxClientRateLimitError) return error.retryAfter;
  if (error instanceof OpenCxRateLimitError)
    return Math.max(1, Math.ceil(error.retryAfter ?? DEFAULT_RETRY_AFTER_SECONDS));
  return undefined;
}

/**
 * What the library adds to the status and body every `OpenCxError` already carries as an
 * `HttpException`: a `Retry-After` header on a 503 for a rate limit (stock Nest parts cannot send a
 * header from an exception), and one warning for the operator per 5xx answer (class and status,
 * never a secret; a refused API key is logged by the registration, as an error, in any context). Platform-agnostic (Express or Fastify);
 * in microservice and other contexts the typed error goes on unchanged.
 *
 * Not registered unless you ask: `OpenCxModule.forRoot({ ... }, )` with `exceptionFilter: true`,
 * `@UseFilters(OpenCxExceptionFilter)` on a controller, or `app.useGlobalFilters(...)`. Without it,
 * the errors still answer 400 / 502 / 503 / 504 through any filter, Nest's default included.
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
    const status = error.getStatus();
    // A refused key is logged by the registration itself, in any context; the rest here, per answer.
    if (status >= 500 && !(error instanceof OpenCxAuthenticationError)) {
      this.logger.warn(`${error.name} answered as ${status}: ${error.message}`);
    }
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    const retryAfter = retryAfterOf(error);
    if (retryAfter !== undefined) httpAdapter.setHeader(response, 'Retry-After', String(retryAfter));
    httpAdapter.reply(response, error.getResponse(), status);
  }
}
