import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AuthFailures } from './auth-failures.js';
import { sha256, type RequestWithCaller } from './caller.js';

interface UserClaims {
  sub?: unknown;
  email?: unknown;
  email_verified?: unknown;
  name?: unknown;
  exp?: unknown;
}

const BEARER = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/;

/**
 * End-user authentication by a Bearer JWT, verified with the configured secret or public key and
 * algorithm list (so `alg: none` and algorithm confusion are refused). The token must expire
 * (`exp`), match `JWT_ISSUER` / `JWT_AUDIENCE` when they are set, use no critical header
 * extension (`crit`: none is understood here), and carry an `email` claim: the identity sent to
 * OpenCX, so only an `email_verified` claim of boolean `true` passes (not `"true"`, not a missing
 * claim). Every failure is the same bare 401, and failures count per client address.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly jwt: JwtService,
    private readonly failures: AuthFailures,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    this.failures.assertNotBlocked(request);
    const claims = await this.verify(request.headers.authorization);
    if (!claims) {
      await this.failures.failed(request);
      throw new UnauthorizedException();
    }
    const email = claims.email as string;
    const name = typeof claims.name === 'string' ? claims.name : undefined;
    const subject = typeof claims.sub === 'string' ? claims.sub : email;
    request.caller = { kind: 'user', id: `user:${sha256(subject).toString('hex').slice(0, 16)}`, email, name };
    return true;
  }

  /** The token's claims when every check passes, else undefined. */
  private async verify(authorization: string | undefined): Promise<UserClaims | undefined> {
    const token = BEARER.exec(authorization ?? '')?.[1];
    if (!token) return undefined;
    const header = (this.jwt.decode<{ header?: { crit?: unknown } } | null>(token, { complete: true }) ?? {}).header;
    if (header?.crit !== undefined) return undefined;
    let claims: UserClaims;
    try {
      claims = await this.jwt.verifyAsync<UserClaims & object>(token);
    } catch {
      return undefined;
    }
    if (typeof claims.exp !== 'number') return undefined;
    if (typeof claims.email !== 'string' || claims.email === '' || claims.email_verified !== true) return undefined;
    return claims;
  }
}
