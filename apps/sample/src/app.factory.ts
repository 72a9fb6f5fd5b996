import type { ConsoleLogger, INestApplication } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { OpenCxExceptionFilter } from 'nestjs-opencx';
import { AppModule } from './app.module.js';
import { bodyParserErrors } from './common/body-parser-errors.middleware.js';
import { HardenedValidationPipe } from './common/hardened-validation.pipe.js';
import { securityHeaders } from './common/security-headers.middleware.js';
import { loadSampleConfig, type SampleConfig } from './config/sample.config.js';
import { JsonConsoleLogger } from './logging/json-console.logger.js';
import { requestLogger } from './logging/request-logger.middleware.js';

/** Options of {@link createApp}. */
export interface CreateAppOptions {
  /** Where configuration comes from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** A logger to use instead of Nest's console logger (tests capture lines with it). */
  logger?: ConsoleLogger;
}

/** The OpenAPI document: both security schemes, every DTO and every response. */
export function buildOpenApiDocument(app: INestApplication) {
  const config = new DocumentBuilder()
    .setTitle('nestjs-opencx sample')
    .setDescription('Issues OpenCX contact tokens for the chat widget, via the nestjs-opencx library.')
    .setVersion('1.0')
    .addApiKey({ type: 'apiKey', name: 'x-api-key', in: 'header', description: 'Service-to-service key' }, 'api-key')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "The end user's JWT" }, 'bearer')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/**
 * Builds the fully configured app (not yet listening): the one place main.ts, the demo and the
 * tests share, so what is tested is what runs.
 */
export async function createApp(
  options: CreateAppOptions = {},
): Promise<{ app: NestExpressApplication; config: SampleConfig }> {
  const env = options.env ?? process.env;
  // Validate before Nest starts so a bad environment fails with one clear message.
  const config = loadSampleConfig(env);
  const logger = options.logger ?? new JsonConsoleLogger({ json: config.logJson });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(env), {
    logger,
    bodyParser: false,
    cors: config.corsOrigins.length > 0 ? { origin: config.corsOrigins } : false,
  });
  app.use(requestLogger(logger, config.logJson));
  app.use(securityHeaders('/docs'));
  // A contact token is never served twice, so an ETag would only cost a hash of every answer.
  app.set('etag', false);
  // Names the server's framework to every scanner; helmet would remove it on each answer.
  app.disable('x-powered-by');
  app.useBodyParser('json', { limit: config.bodyLimit });
  app.use(bodyParserErrors);
  app.useGlobalPipes(new HardenedValidationPipe());
  app.useGlobalFilters(new OpenCxExceptionFilter(app.get(HttpAdapterHost)));
  app.enableShutdownHooks();
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
  return { app, config };
}
