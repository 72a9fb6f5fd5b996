/**
 * The `exp` claim of a JWT-shaped token, in ms since the epoch (wall clock: an absolute time), or
 * undefined when the token has none. OpenCX's chat-only tokens have no `exp`; those issued with
 * `mcp_access` expire after an hour. The token is not verified here: only OpenCX can.
 */
export function tokenExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
