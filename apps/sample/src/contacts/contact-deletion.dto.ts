import { ApiProperty } from '@nestjs/swagger';
import type { OpenCxDeleteResult } from 'nestjs-opencx';

/** What `DELETE /v1/contacts/{contactId}` did. */
export class ContactDeletionDto implements OpenCxDeleteResult {
  @ApiProperty({
    description:
      'true: OpenCX deleted the contact. false: OpenCX answered 404, taken to mean it does not know the contact ' +
      '(already deleted, or a mistyped id; OpenCX does not document this answer).',
    example: true,
  })
  deleted!: boolean;
}
