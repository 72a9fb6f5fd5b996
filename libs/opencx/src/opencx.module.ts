import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpService } from '@nestjs/axios';
import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import axios from 'axios';
import { ContactAuthService } from './contact-auth.service.js';
import { OPENCX_HTTP_SERVICE, OPENCX_RESOLVED_OPTIONS } from './opencx.constants.js';
import { ConfigurableOpenCxModule, OPENCX_MODULE_OPTIONS } from './opencx.module-definition.js';
import { resolveOpenCxOptions, type OpenCxModuleOptions } from './opencx.options.js';

/** Keep-alive agents: without them every call pays a TCP (and TLS) handshake. */
function createHttpService(): HttpService {
  // The default export's `create`: the named `create` export exists only in recent axios 1.x.
  // oxlint-disable-next-line import/no-named-as-default-member
  const instance = axios.create({
    httpAgent: new HttpAgent({ keepAlive: true }),
    httpsAgent: new HttpsAgent({ keepAlive: true }),
  });
  return new HttpService(instance);
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
    { provide: OPENCX_HTTP_SERVICE, useFactory: createHttpService },
    ContactAuthService,
  ],
  exports: [ContactAuthService, OPENCX_HTTP_SERVICE],
})
export class OpenCxModule extends ConfigurableOpenCxModule implements OnApplicationShutdown {
  constructor(@Inject(OPENCX_HTTP_SERVICE) private readonly http: HttpService) {
    super();
  }

  /** Closes idle keep-alive sockets so the process can exit. */
  onApplicationShutdown(): void {
    const { httpAgent, httpsAgent } = this.http.axiosRef.defaults;
    (httpAgent as HttpAgent | undefined)?.destroy();
    (httpsAgent as HttpsAgent | undefined)?.destroy();
  }
}
