import { Body, Controller, Header, HttpCode, HttpStatus, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthenticateUserResponseDto, ContactAuthService } from 'nestjs-opencx';
import type { RequestWithCaller } from '../auth/caller.js';
import { CallerThrottlerGuard } from '../auth/caller-throttler.guard.js';
import { JwtAuthGuard } from '../auth/jwt-auth.guard.js';
import { ApiSampleErrorResponses } from '../common/api-error-responses.decorator.js';
import { OpenCxTokenRequestDto } from './opencx-token-request.dto.js';

/** End user: a browser app gets a contact token for the signed-in user, and only for them. */
@ApiTags('me')
@ApiBearerAuth('bearer')
@UseGuards(JwtAuthGuard, CallerThrottlerGuard)
@Controller('v1/me')
export class MeController {
  constructor(private readonly contactAuth: ContactAuthService) {}

  @Post('opencx-token')
  @HttpCode(HttpStatus.CREATED)
  // A contact token is a bearer credential: no cache may keep it.
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'createMyOpenCxToken',
    summary: "Get an OpenCX contact token for the signed-in user (identity from the JWT's claims)",
    description: 'Send `refresh: true` after the widget got 401 "Invalid token", for a token the cache did not keep.',
  })
  @ApiCreatedResponse({ type: AuthenticateUserResponseDto, description: 'The contact token for the chat widget' })
  @ApiSampleErrorResponses()
  createToken(
    @Req() request: RequestWithCaller,
    @Body() body: OpenCxTokenRequestDto,
  ): Promise<AuthenticateUserResponseDto> {
    const { email, name } = request.caller!;
    const { refresh, ...fields } = body;
    // The validated body's own fields, with the caller's verified email: the DTO's prototype is not wanted.
    return this.contactAuth.authenticateUser(
      { ...fields, email: email!, ...(name ? { name } : {}) },
      // After a 401 the cached token is the one OpenCX refused: ask OpenCX for a new one.
      refresh ? { cache: 'refresh' } : {},
    );
  }
}
