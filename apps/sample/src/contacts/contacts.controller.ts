import {
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import {
  AuthenticateUserDto,
  AuthenticateUserResponseDto,
  ContactAuthService,
  OpenCxApiError,
  UpdateContactDto,
} from 'nestjs-opencx';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CallerThrottlerGuard } from '../auth/caller-throttler.guard.js';
import { ApiSampleErrorResponses } from '../common/api-error-responses.decorator.js';
import { ContactDeletionDto } from './contact-deletion.dto.js';
import { ContactsPageDto } from './contacts-page.dto.js';
import { ListContactsQueryDto } from './list-contacts-query.dto.js';

const CONTACT_ID = {
  name: 'contactId',
  description: 'The `contact.id` the authenticate call returned',
  format: 'uuid',
};

// OpenCX documents only 200 and 500 for its contact endpoints: these two answers are assumed.
const NOT_FOUND = {
  status: 404,
  description: 'OpenCX does not know the contact (assumed)',
  message: 'No such contact',
};
const TAKEN = {
  status: 409,
  description: 'Another contact has this email (assumed)',
  message: 'Another contact has this email',
};

/** OpenCX's 404 and 409 about a contact as this API's own answers; anything else as it is. */
function asOwnAnswer(error: unknown): unknown {
  if (!(error instanceof OpenCxApiError)) return error;
  if (error.upstreamStatus === 404) return new NotFoundException(NOT_FOUND.message);
  if (error.upstreamStatus === 409) return new ConflictException(TAKEN.message);
  return error;
}

/** Service-to-service: a trusted backend gets contact tokens for users it has verified, and keeps OpenCX's contacts in step. */
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

  @Get()
  @ApiOperation({
    operationId: 'listContacts',
    summary: "One page of the organisation's OpenCX contacts; follow `next` as `cursor` for the next",
  })
  @ApiOkResponse({ type: ContactsPageDto, description: 'The page, and the cursor of the next one (null on the last)' })
  @ApiSampleErrorResponses()
  list(@Query() query: ListContactsQueryDto): Promise<ContactsPageDto> {
    return this.contactAuth.listContactsPage({
      cursor: query.cursor,
      createdAfter: query.created_after,
      createdBefore: query.created_before,
      updatedAfter: query.updated_after,
      updatedBefore: query.updated_before,
    });
  }

  @Patch(':contactId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'updateContact',
    summary: "Change a contact's email, phone, name or custom_data at OpenCX; its cached tokens are evicted",
  })
  @ApiParam(CONTACT_ID)
  @ApiNoContentResponse({ description: 'OpenCX took the change' })
  @ApiSampleErrorResponses([NOT_FOUND, TAKEN])
  async update(@Param('contactId') contactId: string, @Body() body: UpdateContactDto): Promise<void> {
    try {
      await this.contactAuth.updateContact(contactId, body);
    } catch (error) {
      throw asOwnAnswer(error);
    }
  }

  @Delete(':contactId')
  @ApiOperation({
    operationId: 'deleteContact',
    summary: 'Delete a contact at OpenCX (OpenCX then refuses its tokens); says whether OpenCX knew it',
    description:
      'OpenCX documents "Delete a contact" and nothing more: not whether its conversations are removed (its ' +
      "earlier product kept them). Not a complete erasure of a person's data.",
  })
  @ApiParam(CONTACT_ID)
  @ApiOkResponse({ type: ContactDeletionDto, description: 'Whether OpenCX deleted it; its cached tokens are evicted' })
  @ApiSampleErrorResponses()
  delete(@Param('contactId') contactId: string): Promise<ContactDeletionDto> {
    return this.contactAuth.deleteContact(contactId);
  }
}
