import { Body, Controller, Post } from '@nestjs/common';
import { ApiOkResponse, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { AuthenticateUserResponseDto } from './authenticate-user-response.dto.js';
import { AuthenticateUserDto } from './authenticate-user.dto.js';

@Controller()
class ContactsController {
  @Post('contacts')
  @ApiOkResponse({ type: AuthenticateUserResponseDto })
  take(@Body() dto: AuthenticateUserDto): AuthenticateUserResponseDto {
    return AuthenticateUserResponseDto.of(dto.email && tokenWith({}));
  }
}

type Schemas = Record<string, { description?: string; properties?: Record<string, { description?: string }> }>;

/** The schemas of the OpenAPI document a user's Swagger set-up builds from the DTOs. */
async function schemas(): Promise<Schemas> {
  const moduleRef = await Test.createTestingModule({ controllers: [ContactsController] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  try {
    return SwaggerModule.createDocument(app, new DocumentBuilder().build()).components?.schemas as Schemas;
  } finally {
    await app.close();
  }
}

/** A JWT-shaped token (unsigned: the library never verifies one) with these claims. */
const tokenWith = (claims: object): string =>
  `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.signature`;

describe('the answer and what its Swagger descriptions claim', () => {
  let documented: Schemas;
  beforeAll(async () => {
    documented = await schemas();
  });

  it('expiresAt is null for a token without exp, and the exp as it is otherwise, a far-off one included', () => {
    expect(AuthenticateUserResponseDto.of(tokenWith({ sub: 'x' })).expiresAt).toBeNull();
    expect(AuthenticateUserResponseDto.of(tokenWith({ exp: 4102444800 })).expiresAt).toBe('2100-01-01T00:00:00.000Z');
  });

  it("says both forms of a chat-only token's expiry, not that it has none", () => {
    const expiresAt = documented['AuthenticateUserResponseDto']?.properties?.['expiresAt']?.description ?? '';
    expect(expiresAt).toMatch(/null/);
    expect(expiresAt).toMatch(/far-off time/);
    expect(expiresAt).toMatch(/"non-expiring behavior"/);
    const mcp = documented['AuthenticateUserDto']?.properties?.['mcp_access']?.description ?? '';
    expect(mcp).toMatch(/one hour/);
    for (const text of [expiresAt, mcp]) expect(text).not.toMatch(/do(es)? not expire|never renews/i);
  });

  it('calls the contact id per email an assumption, and deleting it no erasure', () => {
    const id = documented['OpenCxContactDto']?.properties?.['id']?.description ?? '';
    expect(id).toMatch(/Assumed to stay the same for an email/);
    expect(id).not.toMatch(/stable|erase/i);
  });
});
