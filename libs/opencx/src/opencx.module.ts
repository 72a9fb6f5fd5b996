import { HttpService } from '@nestjs/axios';
import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import axios from 'axios';
import { Agent } from 'undici';
import { createUndiciAdapter } from './http/undici-adapter.js';
import { ContactAuthService } from './contact-auth.service.js';
import { OPENCX_DISPATCHER, OPENCX_HTTP_SERVICE, OPENCX_RESOLVED_OPTIONS } from './opencx.constants.js';
import { ConfigurableOpenCxModule, OPENCX_MODULE_OPTIONS } from './opencx.module-definition.js';
import { resolveOpenCxOptions, type OpenCxModuleOptions } from './opencx.options.js';

/** Idle keep-alive connections are closed after this long (below common server timeouts of 5 s). */
const KEEP_ALIVE_TIMEOUT_MS = 4_000;

/**
 * The module's own `HttpService`: its own axios instance whose adapter is undici, over a
 * keep-alive connection pool per origin (no handshake per call, no connection cap).
 */
function createHttpService(dispatcher: Agent): HttpService {
  // The default export's `create`: the named `create` export exists only in recent axios 1.x.
  // oxlint-disable-next-line import/no-named-as-default-member
  return new HttpService(axios.create({ adapter: createUndiciAdapter(dispatcher) }));
}

/**
 * Registers {@link ContactAuthService}. Use `OpenCxModule.forRoot({ apiKey })` or
 * `OpenCxModule.forRootAsync({ imports, inject, useFactory })`; options are validated when the
 * module initialises, so a bad configuration stops start-up with a message naming the option.
 */
@Module({
  providers: [
    {
      provide: OPENCX_RESOLVED_OPTIONS,
      useFactory: (options: OpenCxModuleOptions) => resolveOpenCxOptions(options),
      inject: [OPENCX_MODULE_OPTIONS],
    },
    { provide: OPENCX_DISPATCHER, useFactory: () => new Agent({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }) },
    { provide: OPENCX_HTTP_SERVICE, useFactory: createHttpService, inject: [OPENCX_DISPATCHER] },
    ContactAuthService,
  ],
  exports: [ContactAuthService, OPENCX_HTTP_SERVICE],
})
export class OpenCxModule extends ConfigurableOpenCxModule implements OnApplicationShutdown {
  constructor(@Inject(OPENCX_DISPATCHER) private readonly dispatcher: Agent) {
    super();
  }

  /** Closes the keep-alive connections so the process can exit. */
  async onApplicationShutdown(): Promise<void> {
    await this.dispatcher.destroy();
  }
}
