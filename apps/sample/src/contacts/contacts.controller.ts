import { Body, Controller, Delete, Header, HttpCode, HttpStatus, Param, Post, UseGuards } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiParam,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { AuthenticateUserDto, AuthenticateUserResponseDto, ContactAuthService } from 'nestjs-opencx';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CallerThrottlerGuard } from '../auth/caller-throttler.guard.js';
import { ApiSampleErrorResponses } from '../common/api-error-responses.decorator.js';

/** Service-to-service: a trusted backend asks for a contact token for any user it has verified, or erases one. */
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

  @Delete(':contactId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteContact',
    summary: "Erase a contact at OpenCX (a user's request to be forgotten); its tokens stop working",
  })
  @ApiParam({ name: 'contactId', description: 'The `contact.id` the authenticate call returned', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Erased (or already gone); cached tokens evicted across the fleet' })
  @ApiSampleErrorResponses()
  async erase(@Param('contactId') contactId: string): Promise<void> {
    await this.contactAuth.deleteContact(contactId);
  }
}
