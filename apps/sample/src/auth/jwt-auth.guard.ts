import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { sha256, type RequestWithCaller } from './caller.js';

interface UserClaims {
  sub?: unknown;
  email?: unknown;
  name?: unknown;
}

const BEARER = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/;

/**
 * End-user authentication by a Bearer JWT, verified with the configured secret or public key and
 * algorithm list (so `alg: none` and algorithm confusion are refused), expiry and not-before
 * included. The token must carry an `email` claim: it is the identity sent to OpenCX. Every
 * failure is the same bare 401, whichever check failed.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly jwt: JwtService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match) throw new UnauthorizedException();
    let claims: UserClaims;
    try {
      claims = await this.jwt.verifyAsync<UserClaims & object>(match[1]!);
    } catch {
      throw new UnauthorizedException();
    }
    if (typeof claims.email !== 'string' || claims.email === '') throw new UnauthorizedException();
    const name = typeof claims.name === 'string' ? claims.name : undefined;
    const subject = typeof claims.sub === 'string' ? claims.sub : claims.email;
    request.caller = {
      kind: 'user',
      id: `user:${sha256(subject).toString('hex').slice(0, 16)}`,
      email: claims.email,
      name,
    };
    return true;
  }
}
