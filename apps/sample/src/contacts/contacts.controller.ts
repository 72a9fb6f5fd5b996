import { Body, Controller, Header, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AuthenticateUserDto, AuthenticateUserResponseDto, ContactAuthService } from 'nestjs-opencx';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CallerThrottlerGuard } from '../auth/caller-throttler.guard.js';
import { ApiSampleErrorResponses } from '../common/api-error-responses.decorator.js';

/** Service-to-service: a trusted backend asks for a contact token for any user it has verified. */
@ApiTags('contacts')
@ApiSecurity('api-key')
@UseGuards(ApiKeyGuard, CallerThrottlerGuard)
@Controller('v1/contacts')
export class ContactsController {
  constructor(private readonly contactAuth: ContactAuthService) {}

  @Post('authenticate')
  @HttpCode(HttpStatus.CREATED)
  // A contact token is a bearer credential: no cache may keep it.
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'authenticateContact',
    summary: 'Authenticate a user with OpenCX and return the contact token for the chat widget',
  })
  @ApiCreatedResponse({ type: AuthenticateUserResponseDto, description: 'The contact token and contact id' })
  @ApiSampleErrorResponses()
  authenticate(@Body() body: AuthenticateUserDto): Promise<AuthenticateUserResponseDto> {
    return this.contactAuth.authenticateUser(body);
  }
}
