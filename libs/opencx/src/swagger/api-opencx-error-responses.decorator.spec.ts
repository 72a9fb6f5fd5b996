import { Controller, Post } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { ApiOpenCxErrorResponses } from './api-opencx-error-responses.decorator.js';

@Controller()
class ChatTokenController {
  @Post('chat-token')
  @ApiOpenCxErrorResponses([{ status: 401, description: 'Not signed in', message: 'Unauthorized' }])
  issue(): string {
    return 'token';
  }
}

describe('ApiOpenCxErrorResponses', () => {
  it("documents the filter's answers and the endpoint's own, each with the error schema and an example", async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [ChatTokenController] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
      const responses = document.paths['/chat-token']?.post?.responses as Record<
        string,
        { description: string; content: Record<string, { schema: unknown; example: unknown }> }
      >;
      const summary = Object.fromEntries(
        Object.entries(responses)
          .filter(([status]) => status !== '201')
          .map(([status, { description, content }]) => [status, [description, content['application/json']?.example]]),
      );
      expect(summary).toEqual({
        400: [
          'The body broke a validation rule; `fields` names each bad field',
          {
            statusCode: 400,
            message: ['email must be an email'],
            error: 'Bad Request',
            fields: [{ field: 'email', messages: ['email must be an email'] }],
          },
        ],
        401: ['Not signed in', { statusCode: 401, message: 'Unauthorized', error: 'Unauthorized' }],
        502: [
          'OpenCX failed or refused this service; nothing the caller can fix',
          { statusCode: 502, message: 'OpenCX is unavailable', error: 'Bad Gateway' },
        ],
        503: [
          'OpenCX is rate limiting this service; see Retry-After',
          {
            statusCode: 503,
            message: 'OpenCX is rate limiting this service; retry later',
            error: 'Service Unavailable',
            retryAfter: 60,
          },
        ],
        504: [
          'OpenCX did not answer in time',
          { statusCode: 504, message: 'OpenCX did not answer in time', error: 'Gateway Timeout' },
        ],
      });
      for (const status of ['400', '401', '502', '503', '504']) {
        expect(responses[status]?.content['application/json']?.schema).toEqual({
          $ref: '#/components/schemas/ErrorResponseDto',
        });
      }
    } finally {
      await app.close();
    }
  });
});
