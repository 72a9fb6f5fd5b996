import type { HttpService } from '@nestjs/axios';
import { AxiosError } from 'axios';
import type { AuthenticateUserResponseDto } from '../dto/authenticate-user-response.dto.js';
import {
  OpenCxConnectionError,
  OpenCxInvalidResponseError,
  OpenCxTimeoutError,
  createOpenCxApiError,
} from '../errors/opencx.errors.js';
import type { Scrubber } from '../errors/scrub.js';
import { abortErrorOf } from '../util/deadline.js';
import { VERSION } from '../version.js';
import { parseErrorBody } from './response-body.js';
import { parseRetryAfter } from './retry-after.js';
import { failedOnStaleSocket } from './reused-socket.js';

/** `User-Agent` of every request: OpenCX can tell which client and version called. */
export const USER_AGENT = `nestjs-opencx/${VERSION} node/${process.versions.node}`;

/**
 * One attempt's result: the answer's status (when one arrived) and either the parsed body or the
 * failure. `stale` marks a failure on a reused keep-alive socket before any byte of the answer: the
 * other side had closed the idle connection, so the request never reached OpenCX and may be sent
 * again at once.
 */
export type Exchange<T = AuthenticateUserResponseDto> =
  | { status: number; result: T; failure?: undefined; stale?: undefined }
  | { status: number | undefined; result?: undefined; failure: unknown; stale?: true };

/** One attempt's request. */
export interface AttemptRequest<T = AuthenticateUserResponseDto> {
  /** `POST` or `PATCH` with a JSON body; `GET` or `DELETE` without one. */
  method: 'POST' | 'PATCH' | 'GET' | 'DELETE';
  /** Below `baseUrl`, already encoded. */
  path: string;
  apiKey: string;
  /** The JSON body, already serialised (POST and PATCH only). */
  body?: string;
  /** Reads a 2xx answer's body, or throws OpenCxInvalidResponseError. */
  parse: (status: number, text: string) => T;
  /** Milliseconds this attempt may take. */
  timeout: number;
  signal?: AbortSignal;
  /** The request's secrets, prepared only when an error answer needs scrubbing. */
  scrubber: () => Scrubber;
}

/**
 * Sends one request through the registration's `HttpService`, so interceptors users add to it run
 * on every request. Never throws: failures come back typed in the {@link Exchange}. The client's
 * own error is dropped because it holds the request headers, `Authorization` included.
 */
export class Transport {
  constructor(
    private readonly http: HttpService,
    private readonly baseUrl: string,
    private readonly maxResponseBytes: number,
  ) {}

  async send<T>(request: AttemptRequest<T>): Promise<Exchange<T>> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, request.timeout);
    const onCallerAbort = (): void => controller.abort();
    request.signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      // The HttpService's own axios instance: its interceptors run; no Observable per call.
      const response = await this.http.axiosRef.request<string>({
        method: request.method,
        url: `${this.baseUrl}${request.path}`,
        ...(request.body === undefined ? {} : { data: request.body }),
        headers: {
          authorization: `Bearer ${request.apiKey}`,
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
          accept: 'application/json',
          'user-agent': USER_AGENT,
        },
        responseType: 'text',
        // The body is already JSON, and the answer is parsed (and bounded) here.
        transformRequest: [(data: string) => data],
        transformResponse: [(data: string) => data],
        validateStatus: null,
        maxRedirects: 0,
        maxContentLength: this.maxResponseBytes,
        signal: controller.signal,
      });
      return this.classify(response.status, response.headers, response.data ?? '', request);
    } catch (error) {
      if (request.signal?.aborted) return { status: undefined, failure: abortErrorOf(request.signal) };
      if (timedOut) return { status: undefined, failure: new OpenCxTimeoutError(request.timeout) };
      const failure = transportFailure(error, this.maxResponseBytes);
      return error instanceof AxiosError && failedOnStaleSocket(error.request)
        ? { status: undefined, failure, stale: true }
        : { status: undefined, failure };
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  private classify<T>(
    status: number,
    headers: Record<string, unknown>,
    text: string,
    request: AttemptRequest<T>,
  ): Exchange<T> {
    if (status >= 200 && status < 300) {
      try {
        return { status, result: request.parse(status, text) };
      } catch (error) {
        return { status, failure: error };
      }
    }
    const failure = createOpenCxApiError({
      status,
      body: parseErrorBody(text, request.scrubber()),
      retryAfter: parseRetryAfter(headers),
    });
    return { status, failure };
  }
}

/**
 * A failure before a complete answer, by axios's documented error codes: a body past
 * `maxContentLength` is `ERR_BAD_RESPONSE` with no response; a system error keeps its code.
 */
function transportFailure(error: unknown, maxResponseBytes: number): Error {
  const code = error instanceof AxiosError ? error.code : undefined;
  if (code === AxiosError.ERR_BAD_RESPONSE && !(error as AxiosError).response) {
    return new OpenCxInvalidResponseError(0, `body larger than maxResponseBytes (${maxResponseBytes})`);
  }
  return new OpenCxConnectionError(code);
}
