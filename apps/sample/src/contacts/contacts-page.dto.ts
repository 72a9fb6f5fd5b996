import { ApiProperty } from '@nestjs/swagger';
import type { OpenCxContact, OpenCxContactPage } from 'nestjs-opencx';

const nullable = (description: string, example: string) => ({ description, example, type: String, nullable: true });

/** One contact as OpenCX lists it (`OpenCxContact`), for the OpenAPI document. */
export class ContactDto implements OpenCxContact {
  @ApiProperty({ description: "The contact's id", format: 'uuid', example: '3f2b8c1e-6d4a-4b7e-9c2f-1a5e7d9b0c34' })
  id!: string;

  @ApiProperty(nullable("The contact's email", 'jane.doe@example.com'))
  email!: string | null;

  @ApiProperty(nullable("The contact's phone number", '+1234567890'))
  phone_number!: string | null;

  @ApiProperty(nullable("The contact's name", 'Jane Doe'))
  name!: string | null;

  @ApiProperty({
    description: 'Custom data about the contact, as OpenCX keeps it',
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { plan: 'pro' },
  })
  custom_data!: Record<string, unknown> | null;

  @ApiProperty({ description: 'When the contact was created (ISO 8601)', format: 'date-time' })
  created_at!: string;

  @ApiProperty({ description: 'When the contact last changed (ISO 8601)', format: 'date-time' })
  updated_at!: string;
}

/** One page of contacts, and the cursor of the next. */
export class ContactsPageDto implements OpenCxContactPage {
  @ApiProperty({ type: () => [ContactDto] })
  items!: ContactDto[];

  @ApiProperty({
    description: 'Pass it as `cursor`, with the same filter, for the next page; null on the last page',
    type: String,
    nullable: true,
    example: null,
  })
  next!: string | null;
}
