import type { Server } from 'node:http';
import { ConsoleLogger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { OpenCxValidationPipe } from 'nestjs-opencx';
import { AppModule } from './app.module.js';
import { bodyParserErrors } from './common/body-parser-errors.middleware.js';
import { loadSampleConfig, type SampleConfig } from './config/sample.config.js';
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
 * Node's server limits: a request (headers and body) must arrive within 10 s and its headers
 * within 5 s, idle keep-alive connections close after 5 s, and at most `maxConnections` are open,
 * so slow or trickling clients are cut off instead of holding sockets for minutes. Node checks the
 * first two every `connectionsCheckingInterval` (30 s by default, read when the server starts
 * listening): 1 s here, so a trickling client is gone 11 s after it connected at most.
 */
export function limitServer(app: INestApplication, maxConnections: number): void {
  const server = app.getHttpServer() as Server & { connectionsCheckingInterval: number };
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;
  server.connectionsCheckingInterval = 1_000;
  server.maxConnections = maxConnections;
}

/**
 * Builds the fully configured app (not yet listening): the one place main.ts, the demo and the
 * tests share, so what is tested is what runs. Stock parts, configured: Nest's logger in JSON
 * mode, helmet, Nest's ValidationPipe (as the library ships it), @nestjs/throttler (see AppModule).
 * The library's errors answer 400/502/503/504 themselves; the sample also asks for the library's
 * Retry-After interceptor (and its operator log lines).
 */
export async function createApp(
  options: CreateAppOptions = {},
): Promise<{ app: NestExpressApplication; config: SampleConfig }> {
  const env = options.env ?? process.env;
  // Validate before Nest starts so a bad environment fails with one clear message.
  const config = loadSampleConfig(env);
  const logger = options.logger ?? new ConsoleLogger({ json: config.logJson });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(env), {
    logger,
    bodyParser: false,
    cors: config.corsOrigins.length > 0 ? { origin: config.corsOrigins } : false,
  });
  app.use(requestLogger(logger, config.logJson));
  app.use(helmet());
  app.useBodyParser('json', { limit: config.bodyLimit });
  app.use(bodyParserErrors);
  // Nest's ValidationPipe as the library ships it: whitelist, forbid unknown fields, transform,
  // the library's `fields` shape, and no body nested absurdly deep or holding prototype keys.
  app.useGlobalPipes(new OpenCxValidationPipe());
  app.set('trust proxy', config.trustProxy);
  app.enableShutdownHooks();
  limitServer(app, config.maxConnections);
  if (config.apiDocs) {
    SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
  }
  return { app, config };
}
