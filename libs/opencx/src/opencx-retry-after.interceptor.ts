import { Injectable, Logger, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { catchError, throwError, type Observable } from 'rxjs';
import { OpenCxAuthenticationError, OpenCxError } from './errors/opencx.errors.js';
import { monotonicNow } from './util/clock.js';

/** How often one kind of answer (class and status) is logged at most: OpenCX's rate-limit window. */
const LOG_INTERVAL_MS = 60_000;

/** Per kind of answer (class and status): when it was last logged, and how many were not logged since. */
type LogState = Map<string, { at: number; unlogged: number }>;

/**
 * The log state of each application, keyed by its `HttpAdapterHost` (one per application, whatever
 * the module): Nest makes one interceptor per module that names it in `@UseInterceptors`, and the
 * operator wants one line per kind of answer and window, not one per module.
 */
const logStates = new WeakMap<HttpAdapterHost, LogState>();

/**
 * The responses each error was already counted for: one error crossing two of these interceptors
 * is logged once, while one error answering two requests (identical calls share one flight) is two
 * answers, each with its header.
 */
const counted = new WeakMap<OpenCxError, WeakSet<object>>();

/** The wait a 503's body carries (`getResponse().retryAfter`), in seconds; undefined when it has none. */
function retryAfterOf(error: OpenCxError): number | undefined {
  const body = error.getResponse();
  const seconds = typeof body === 'object' ? (body as { retryAfter?: unknown }).retryAfter : undefined;
  return typeof seconds === 'number' ? seconds : undefined;
}

/**
 * Sets `Retry-After` on the response when an `OpenCxError` says how long to wait (a rate limit's
 * 503: the seconds its body's `retryAfter` carries), then rethrows the error unchanged: whichever
 * exception filter answers it (Nest's default, the catch-all from Nest's documentation, a
 * `BaseExceptionFilter` subclass, your own) writes its own body and reports it as it always does,
 * and the header goes out with that answer. Express and Fastify alike, through Nest's HTTP adapter.
 *
 * For the operator it logs each kind of 5xx answer (class and status, never a message, which may
 * carry upstream text) at most once a minute per application (however many modules use it), with
 * how many more there were since its last line. A
 * refused key is not logged here: the registration logs it, as an error, in any context.
 *
 * Not registered unless you ask: `retryAfter: true` in `OpenCxModule.forRoot` / `forRootAsync`,
 * `app.useGlobalInterceptors(new OpenCxRetryAfterInterceptor(app.get(HttpAdapterHost)))`, or
 * `@UseInterceptors(OpenCxRetryAfterInterceptor)` on a controller. Outside HTTP (microservices,
 * GraphQL) the error goes on unchanged and nothing is set.
 */
@Injectable()
export class OpenCxRetryAfterInterceptor implements NestInterceptor {
  private readonly logger = new Logger('OpenCx');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (error instanceof OpenCxError && context.getType() === 'http') this.handle(error, context);
        return throwError(() => error);
      }),
    );
  }

  private handle(error: OpenCxError, context: ExecutionContext): void {
    const response: unknown = context.switchToHttp().getResponse();
    // Every answer with a wait gets its header, even when another request's answer already carried this error.
    const retryAfter = retryAfterOf(error);
    if (retryAfter !== undefined) this.adapterHost.httpAdapter.setHeader(response, 'Retry-After', String(retryAfter));
    if (!this.firstCount(error, response)) return;
    const status = error.getStatus();
    if (status >= 500 && !(error instanceof OpenCxAuthenticationError)) this.log(`${error.name} answered as ${status}`);
  }

  /** Whether `error` is counted for `response` now for the first time. */
  private firstCount(error: OpenCxError, response: unknown): boolean {
    if (typeof response !== 'object' || response === null) return true;
    let responses = counted.get(error);
    if (!responses) counted.set(error, (responses = new WeakSet()));
    if (responses.has(response)) return false;
    responses.add(response);
    return true;
  }

  private log(kind: string): void {
    let logged = logStates.get(this.adapterHost);
    if (!logged) logStates.set(this.adapterHost, (logged = new Map()));
    const now = monotonicNow();
    const last = logged.get(kind);
    if (last && now - last.at < LOG_INTERVAL_MS) {
      last.unlogged++;
      return;
    }
    const more = last?.unlogged ? ` (${last.unlogged} more since the last line)` : '';
    logged.set(kind, { at: now, unlogged: 0 });
    this.logger.warn(`${kind}${more}`);
  }
}
