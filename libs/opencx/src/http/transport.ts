import { EventEmitter } from 'node:events';
import type { HttpService } from '@nestjs/axios';
import { isAxiosError, type AxiosInstance } from 'axios';
import type { Dispatcher } from 'undici';
import {
  OpenCxAbortError,
  OpenCxConnectionError,
  OpenCxInvalidResponseError,
  OpenCxTimeoutError,
} from '../errors/opencx.errors.js';
import { VERSION } from '../version.js';
import { BodyTooLargeError, codeOf, readText } from './undici-adapter.js';

/** `User-Agent` of every request: OpenCX can tell which client and version called. */
export const USER_AGENT = `nestjs-opencx/${VERSION} node/${process.versions.node}`;

/** Where requests go, parsed once per service rather than per call. */
export interface AttemptTarget {
  url: string;
  origin: string;
  path: string;
}

/** One HTTP attempt. */
export interface AttemptRequest {
  target: AttemptTarget;
  apiKey: string;
  /** The JSON body, already serialised. */
  body: string;
  /** Milliseconds the whole attempt may take. */
  timeout: number;
  maxResponseBytes: number;
  signal?: AbortSignal;
}

/** The raw answer of one attempt, whatever its status. */
export interface AttemptResponse {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

/** The two ways out: the module's `HttpService` and the undici dispatcher behind its adapter. */
export interface Transport {
  http: HttpService;
  dispatcher: Dispatcher;
}

function headersFor(apiKey: string): Record<string, string> {
  return {
    authorization: `Bearer ${apiKey}`,
    'content-type': 'application/json',
    accept: 'application/json',
    'user-agent': USER_AGENT,
  };
}

/** axios keeps interceptors in `handlers`, with `null` where one was ejected. */
function hasInterceptors(instance: AxiosInstance): boolean {
  const managers = [instance.interceptors.request, instance.interceptors.response] as unknown as Array<{
    handlers?: unknown[];
  }>;
  return managers.some((manager) => manager.handlers?.some((handler) => handler !== null) ?? true);
}

/**
 * What cancels an attempt. undici accepts any EventEmitter with an `aborted` flag as a signal, and
 * one costs a fraction of an AbortController (whose creation showed up at 5% of the client's CPU);
 * a real AbortSignal is made only for the axios path, which needs one.
 */
class AttemptCanceller extends EventEmitter {
  aborted = false;
  private controller?: AbortController;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
    this.controller?.abort();
  }

  toAbortSignal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.aborted) this.controller.abort();
    return this.controller.signal;
  }
}

async function viaAxios(http: HttpService, request: AttemptRequest, signal: AbortSignal): Promise<AttemptResponse> {
  const response = await http.axiosRef.request<string>({
    method: 'POST',
    url: request.target.url,
    data: request.body,
    headers: headersFor(request.apiKey),
    responseType: 'text',
    transformRequest: [(data: string) => data],
    transformResponse: [(data: string) => data],
    validateStatus: null,
    maxRedirects: 0,
    maxContentLength: request.maxResponseBytes,
    signal,
  });
  return { status: response.status, headers: response.headers as Record<string, unknown>, body: response.data ?? '' };
}

async function viaDispatcher(
  dispatcher: Dispatcher,
  request: AttemptRequest,
  signal: AttemptCanceller,
): Promise<AttemptResponse> {
  const response = await dispatcher.request({
    origin: request.target.origin,
    path: request.target.path,
    method: 'POST',
    headers: headersFor(request.apiKey),
    body: request.body,
    signal,
  });
  // A declared length within the limit lets undici consume the body in one go (the HTTP parser
  // enforces the framing); otherwise read it chunk by chunk against the limit.
  const length = Number(response.headers['content-length']);
  const body =
    Number.isInteger(length) && length <= request.maxResponseBytes
      ? await response.body.text()
      : await readText(response.body, request.maxResponseBytes);
  return { status: response.statusCode, headers: response.headers, body };
}

/**
 * Sends one POST and returns the answer whatever its status: the caller decides what a status
 * means. When users have added interceptors to the module's `HttpService`, the request goes through
 * axios so they run; otherwise it goes straight to the same undici dispatcher that axios's adapter
 * uses, skipping axios's per-request config merging, which costs more CPU than the HTTP exchange
 * itself (see docs/benchmarks.md). Failures before a complete answer become typed errors; the
 * client's own error is dropped because it may hold the request headers, `Authorization` included.
 */
export async function postJson(transport: Transport, request: AttemptRequest): Promise<AttemptResponse> {
  // One canceller and timer per attempt, cleared in `finally`: AbortSignal.timeout() would leave a
  // live timer per call for the whole timeout, which piles up under load.
  const canceller = new AttemptCanceller();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    canceller.abort();
  }, request.timeout);
  const onCallerAbort = (): void => canceller.abort();
  request.signal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    return hasInterceptors(transport.http.axiosRef)
      ? await viaAxios(transport.http, request, canceller.toAbortSignal())
      : await viaDispatcher(transport.dispatcher, request, canceller);
  } catch (error) {
    if (request.signal?.aborted) throw new OpenCxAbortError();
    if (timedOut) throw new OpenCxTimeoutError(request.timeout);
    if (error instanceof BodyTooLargeError || (isAxiosError(error) && /maxContentLength/.test(error.message))) {
      throw new OpenCxInvalidResponseError(0, `body larger than maxResponseBytes (${request.maxResponseBytes})`);
    }
    throw new OpenCxConnectionError(codeOf(error));
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onCallerAbort);
  }
}
