import { AuthenticateUserResponseDto, OpenCxContactDto } from '../dto/authenticate-user-response.dto.js';
import { OpenCxInvalidResponseError, type OpenCxErrorBody } from '../errors/opencx.errors.js';
import { redact } from '../redact.js';

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
  const result = new AuthenticateUserResponseDto();
  result.token = body.token;
  if (body.contact !== undefined && body.contact !== null) {
    if (!isRecord(body.contact) || typeof body.contact.id !== 'string') {
      throw new OpenCxInvalidResponseError(status, 'contact.id is not a string');
    }
    result.contact = Object.assign(new OpenCxContactDto(), { id: body.contact.id });
  }
  return result;
}

/**
 * Reads an error answer as NestJS's `ErrorDto` when it is one, with this request's secrets (and
 * anything shaped like an email, phone or bearer credential) scrubbed from its strings. Anything
 * else (an HTML page from a proxy, an empty body) yields undefined: the raw body is never kept.
 */
export function parseErrorBody(text: string, secrets: readonly string[]): OpenCxErrorBody | undefined {
  const body = parseJson(text);
  if (!isRecord(body)) return undefined;
  const clean = (value: unknown): string | undefined =>
    typeof value === 'string' ? redact(value, secrets) : undefined;
  const message = Array.isArray(body.message)
    ? body.message.map(clean).filter((m): m is string => m !== undefined)
    : clean(body.message);
  const parsed: OpenCxErrorBody = {};
  if (typeof body.statusCode === 'number') parsed.statusCode = body.statusCode;
  if (message !== undefined) parsed.message = message;
  const error = clean(body.error);
  if (error !== undefined) parsed.error = error;
  return parsed;
}
