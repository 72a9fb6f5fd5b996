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
  })
  @ApiCreatedResponse({ type: AuthenticateUserResponseDto, description: 'The contact token for the chat widget' })
  @ApiSampleErrorResponses()
  createToken(
    @Req() request: RequestWithCaller,
    @Body() body: OpenCxTokenRequestDto,
  ): Promise<AuthenticateUserResponseDto> {
    const { email, name } = request.caller!;
    // The validated body's own fields, with the caller's verified email: the DTO's prototype is not wanted.
    // oxlint-disable-next-line typescript/no-misused-spread
    return this.contactAuth.authenticateUser({ ...body, email: email!, ...(name ? { name } : {}) });
  }
}
