import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { JwtModule } from '@nestjs/jwt';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import { OpenCxModule, type OpenCxModuleOptions } from 'nestjs-opencx';
import { createClient } from 'redis';
import { OpenCxHealthIndicator } from 'nestjs-opencx/terminus';
import { ApiKeyGuard } from './auth/api-key.guard.js';
import { CallerThrottlerGuard } from './auth/caller-throttler.guard.js';
import { JwtAuthGuard } from './auth/jwt-auth.guard.js';
import { RedisThrottlerStorage } from './common/redis-throttler.storage.js';
import { AuthFailures } from './auth/auth-failures.js';
import { sampleConfig, type SampleConfig } from './config/sample.config.js';
import { SAMPLE_CONFIG } from './config/sample.constants.js';
import { ContactsController } from './contacts/contacts.controller.js';
import { HealthController } from './health/health.controller.js';
import { MeController } from './me/me.controller.js';
import { RenewalController } from './renewal/renewal.controller.js';

const config = (service: ConfigService): SampleConfig => service.getOrThrow<SampleConfig>('sample');

/** How long start-up waits for the throttler's Redis before starting without it. */
const REDIS_CONNECT_MS = 1_000;

/**
 * The sample's own Redis connection for the throttler (the library opens its own from the URL).
 * Start-up waits a second at most: with Redis down the app starts, throttling in memory, and the
 * client reconnects in the background.
 */
async function connectRedis(url: string) {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: REDIS_CONNECT_MS, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000) },
  });
  client.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.connect().catch(() => undefined),
    new Promise((resolve) => (timer = setTimeout(resolve, REDIS_CONNECT_MS))),
  ]);
  clearTimeout(timer);
  return client;
}

/** The sample app. `env` is `process.env` in production; tests pass their own. */
@Module({})
export class AppModule {
  static register(env: NodeJS.ProcessEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [sampleConfig(env)] }),
        OpenCxModule.forRootAsync({
          // Retry-After on a rate limit's 503, and a log line for the operator on OpenCX's failures.
          retryAfter: true,
          imports: [ConfigModule],
          inject: [ConfigService],
          // The library validates these (and names a bad one) when the module starts.
          useFactory: (service: ConfigService): OpenCxModuleOptions => {
            const sample = config(service);
            return {
              apiKey: sample.opencxApiKey,
              baseUrl: sample.opencxBaseUrl,
              timeout: sample.opencxTimeout,
              maxRetries: sample.opencxMaxRetries,
              cache: sample.opencxCacheTtl === 0 ? false : { ttl: sample.opencxCacheTtl },
              rateLimit: sample.opencxRateLimit === 0 ? false : { perMinute: sample.opencxRateLimit },
              redis: sample.redisUrl,
              healthCheckInterval: sample.opencxHealthInterval,
            };
          },
        }),
        JwtModule.registerAsync({
          inject: [ConfigService],
          useFactory: (service: ConfigService) => {
            const { jwtSecret, jwtPublicKey, jwtIssuer, jwtAudience } = config(service);
            return {
              secret: jwtSecret,
              publicKey: jwtPublicKey,
              verifyOptions: {
                algorithms: jwtSecret ? ['HS256'] : ['RS256', 'ES256'],
                issuer: jwtIssuer,
                audience: jwtAudience,
              },
            };
          },
        }),
        ThrottlerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: async (service: ConfigService) => {
            const { throttleLimit, redisUrl } = config(service);
            return {
              throttlers: [{ name: 'default', ttl: 60_000, limit: throttleLimit }],
              // The throttler's own in-memory storage, or Redis shared by the fleet.
              ...(redisUrl ? { storage: new RedisThrottlerStorage(await connectRedis(redisUrl)) } : {}),
            };
          },
        }),
        TerminusModule,
      ],
      controllers: [ContactsController, MeController, HealthController, RenewalController],
      providers: [
        { provide: SAMPLE_CONFIG, inject: [ConfigService], useFactory: config },
        ApiKeyGuard,
        JwtAuthGuard,
        CallerThrottlerGuard,
        AuthFailures,
        OpenCxHealthIndicator,
      ],
    };
  }
}
