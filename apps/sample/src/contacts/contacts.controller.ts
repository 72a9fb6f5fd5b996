import { Body, Controller, Delete, Header, HttpCode, HttpStatus, Param, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AuthenticateUserDto, AuthenticateUserResponseDto, ContactAuthService } from 'nestjs-opencx';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CallerThrottlerGuard } from '../auth/caller-throttler.guard.js';
import { ApiSampleErrorResponses } from '../common/api-error-responses.decorator.js';
import { ContactDeletionDto } from './contact-deletion.dto.js';

/** Service-to-service: a trusted backend asks for a contact token for any user it has verified, or deletes a contact. */
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
  @ApiOperation({
    operationId: 'deleteContact',
    summary: 'Delete a contact at OpenCX (OpenCX then refuses its tokens); says whether OpenCX knew it',
    description:
      'OpenCX documents "Delete a contact" and nothing more: not whether its conversations are removed (its ' +
      "earlier product kept them). Not a complete erasure of a person's data.",
  })
  @ApiParam({ name: 'contactId', description: 'The `contact.id` the authenticate call returned', format: 'uuid' })
  @ApiOkResponse({ type: ContactDeletionDto, description: 'Whether OpenCX deleted it; its cached tokens are evicted' })
  @ApiSampleErrorResponses()
  delete(@Param('contactId') contactId: string): Promise<ContactDeletionDto> {
    return this.contactAuth.deleteContact(contactId);
  }
}
