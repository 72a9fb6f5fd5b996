import { AuthenticateUserResponseDto } from '../dto/authenticate-user-response.dto.js';
import { OpenCxInvalidResponseError, type OpenCxErrorBody } from '../errors/opencx.errors.js';
import type { Scrubber } from '../errors/scrub.js';

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Checks a 2xx body against the documented shape and copies only the documented fields. */
export function parseAuthenticateUserResponse(status: number, text: string): AuthenticateUserResponseDto {
  const body = parseJson(text);
  if (!isRecord(body)) throw new OpenCxInvalidResponseError(status, 'not a JSON object');
  if (typeof body.token !== 'string' || body.token.length === 0) {
    throw new OpenCxInvalidResponseError(status, 'token is missing or not a non-empty string');
  }
  if (body.contact !== undefined && body.contact !== null) {
    if (!isRecord(body.contact) || typeof body.contact.id !== 'string') {
      throw new OpenCxInvalidResponseError(status, 'contact.id is not a string');
    }
    return AuthenticateUserResponseDto.of(body.token, body.contact.id);
  }
  return AuthenticateUserResponseDto.of(body.token);
}

/** Messages kept from an upstream list: enough to say what was wrong, not a place to carry data. */
const MAX_MESSAGES = 5;

/**
 * Reads an error answer as NestJS's `ErrorDto` when it is one, keeping little: each string cut
 * to a short bound, then scrubbed of this request's secrets in any form (and of anything shaped
 * like an email, phone or credential). Anything else (an HTML page from a proxy, an empty body)
 * yields undefined: the raw body is never kept.
 */
export function parseErrorBody(text: string, scrubber: Scrubber): OpenCxErrorBody | undefined {
  const body = parseJson(text);
  if (!isRecord(body)) return undefined;
  const clean = (value: unknown): string | undefined => (typeof value === 'string' ? scrubber.scrub(value) : undefined);
  const message = Array.isArray(body.message)
    ? body.message
        .slice(0, MAX_MESSAGES)
        .map(clean)
        .filter((m): m is string => m !== undefined)
    : clean(body.message);
  const parsed: OpenCxErrorBody = {};
  if (typeof body.statusCode === 'number') parsed.statusCode = body.statusCode;
  if (message !== undefined) parsed.message = message;
  const error = clean(body.error);
  if (error !== undefined) parsed.error = error;
  return parsed;
}
