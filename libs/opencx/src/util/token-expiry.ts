/**
 * The `exp` claim of a JWT-shaped token, in ms since the epoch (wall clock: an absolute time), or
 * undefined when the token has none. Tokens issued with `mcp_access` expire after an hour; OpenCX
 * says chat-only ones keep a "non-expiring behavior", which may mean no `exp` or a far-off one (not
 * documented). The token is not verified here: only OpenCX can.
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
