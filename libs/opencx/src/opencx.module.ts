import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Agent } from 'undici';
import { OPENCX_DISPATCHER, OPENCX_REDIS } from './opencx.constants.js';
import { ConfigurableOpenCxModule } from './opencx.module-definition.js';
import { OPENCX_PROVIDERS } from './opencx.providers.js';
import type { OpenCxRedisClient } from './redis/redis-client.js';

/**
 * Registers `ContactAuthService`. Use `OpenCxModule.forRoot({ apiKey })` or
 * `OpenCxModule.forRootAsync({ imports, inject, useFactory })`; options are validated when the
 * module initialises, so a bad configuration stops start-up with a message naming the option.
 * Add `name` to register several organisations and inject each with `@InjectContactAuth(name)`.
 */
// Exports depend on the registration's name, so they are set in opencx.module-definition.ts.
@Module({ providers: OPENCX_PROVIDERS })
export class OpenCxModule extends ConfigurableOpenCxModule implements OnApplicationShutdown {
  constructor(
    @Inject(OPENCX_DISPATCHER) private readonly dispatcher: Agent,
    @Inject(OPENCX_REDIS) private readonly redis: OpenCxRedisClient | null,
  ) {
    super();
  }

  /** Closes the keep-alive connections and Redis so the process can exit. */
  async onApplicationShutdown(): Promise<void> {
    await this.dispatcher.destroy();
    try {
      this.redis?.destroy();
    } catch {
      // already closed
    }
  }
}
