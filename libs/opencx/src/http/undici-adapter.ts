import {
  AxiosError,
  AxiosHeaders,
  type AxiosAdapter,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import type { Dispatcher } from 'undici';

function toHeaderRecord(headers: InternalAxiosRequestConfig['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(AxiosHeaders.from(headers).toJSON())) {
    if (value !== undefined && value !== null) out[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/** undici's errors carry the system code (ECONNRESET, ECONNREFUSED) on the error or its cause. */
export function codeOf(error: unknown): string | undefined {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  if (typeof cause?.code === 'string' && code === 'UND_ERR_SOCKET') return cause.code;
  return typeof code === 'string' ? code : undefined;
}

/** Thrown by {@link readText} when a body exceeds its limit. */
export class BodyTooLargeError extends Error {}

/** Reads a response body as UTF-8 text, destroying it past `limit` bytes (-1: no limit). */
export async function readText(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (limit > -1 && size > limit) {
      body.destroy();
      throw new BodyTooLargeError(`maxContentLength size of ${limit} exceeded`);
    }
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
}

/**
 * An axios adapter that sends requests through an undici dispatcher (an `Agent` keeps a keep-alive
 * pool per origin). axios's own Node adapter goes through `http.request`, which costs several
 * times more CPU per call; with this adapter `HttpService` stays the integration point (users'
 * interceptors still run) while the transport is undici. Bodies are read as text and bounded by
 * `maxContentLength`; errors become `AxiosError`s carrying the system error code.
 */
export function createUndiciAdapter(dispatcher: Dispatcher): AxiosAdapter {
  return async (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    const url = new URL(config.url ?? '', config.baseURL);
    let response: Dispatcher.ResponseData;
    try {
      response = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: (config.method ?? 'get').toUpperCase() as Dispatcher.HttpMethod,
        headers: toHeaderRecord(config.headers),
        body: (config.data as string | Buffer | undefined) ?? null,
        signal: config.signal as AbortSignal | undefined,
      });
    } catch (error) {
      if ((config.signal as AbortSignal | undefined)?.aborted)
        throw new AxiosError('canceled', AxiosError.ERR_CANCELED, config);
      throw new AxiosError((error as Error).message, codeOf(error), config);
    }
    let data: string;
    try {
      data = await readText(response.body, config.maxContentLength ?? -1);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        throw new AxiosError(error.message, AxiosError.ERR_BAD_RESPONSE, config);
      }
      throw new AxiosError((error as Error).message, codeOf(error) ?? AxiosError.ERR_BAD_RESPONSE, config);
    }
    const result: AxiosResponse = {
      data,
      status: response.statusCode,
      statusText: '',
      headers: new AxiosHeaders(response.headers as Record<string, string>),
      config,
      request: undefined,
    };
    if (config.validateStatus && !config.validateStatus(result.status)) {
      throw new AxiosError(
        `Request failed with status code ${result.status}`,
        AxiosError.ERR_BAD_RESPONSE,
        config,
        undefined,
        result,
      );
    }
    return result;
  };
}
