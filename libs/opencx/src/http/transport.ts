import type { HttpService } from '@nestjs/axios';
import { isAxiosError } from 'axios';
import {
  OpenCxAbortError,
  OpenCxConnectionError,
  OpenCxInvalidResponseError,
  OpenCxTimeoutError,
} from '../errors/opencx.errors.js';
import { VERSION } from '../version.js';

/** `User-Agent` of every request: OpenCX can tell which client and version called. */
export const USER_AGENT = `nestjs-opencx/${VERSION} node/${process.versions.node}`;

/** One HTTP attempt. */
export interface AttemptRequest {
  url: string;
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

/**
 * Sends one POST through the module's `HttpService` (so interceptors users add to its axios
 * instance apply) and returns the answer whatever its status: the caller decides what a status
 * means. Failures before a complete answer become typed errors; the axios error itself is
 * dropped because it holds the request headers, `Authorization` included.
 */
export async function postJson(http: HttpService, request: AttemptRequest): Promise<AttemptResponse> {
  // One controller per attempt, cleared in `finally`: AbortSignal.timeout() would leave a live
  // timer per call for the whole timeout, which piles up under load.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, request.timeout);
  const onCallerAbort = (): void => controller.abort();
  request.signal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    const response = await http.axiosRef.request<string>({
      method: 'POST',
      url: request.url,
      data: request.body,
      headers: {
        Authorization: `Bearer ${request.apiKey}`,
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'User-Agent': USER_AGENT,
      },
      responseType: 'text',
      transformRequest: [(data: string) => data],
      transformResponse: [(data: string) => data],
      validateStatus: null,
      maxRedirects: 0,
      maxContentLength: request.maxResponseBytes,
      signal: controller.signal,
    });
    return { status: response.status, headers: response.headers as Record<string, unknown>, body: response.data ?? '' };
  } catch (error) {
    if (request.signal?.aborted) throw new OpenCxAbortError();
    if (timedOut) throw new OpenCxTimeoutError(request.timeout);
    if (isAxiosError(error) && error.response === undefined && /maxContentLength/.test(error.message)) {
      throw new OpenCxInvalidResponseError(0, `body larger than maxResponseBytes (${request.maxResponseBytes})`);
    }
    throw new OpenCxConnectionError(isAxiosError(error) ? error.code : undefined);
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onCallerAbort);
  }
}
