import { Logger, type Provider, type Type } from '@nestjs/common';
import { ContactAuthService } from './contact-auth.service.js';
import { OPENCX_HTTP_SERVICE, OPENCX_INSTANCE_NAME, OPENCX_REGISTRATION } from './opencx.constants.js';
import { OPENCX_MODULE_OPTIONS } from './opencx.module-definition.js';
import { resolveOpenCxOptions, type OpenCxModuleOptions } from './opencx.options.js';
import { OpenCxRegistration, type OpenCxFleet } from './opencx.registration.js';

/**
 * Validates the options (a bad configuration stops start-up here, naming each option), then builds
 * the registration. The Redis add-on, and the `redis` client it may load, are imported only when
 * the `redis` option is set.
 */
async function createRegistration(raw: OpenCxModuleOptions, name: string): Promise<OpenCxRegistration> {
  const options = resolveOpenCxOptions(raw);
  let fleet: OpenCxFleet | null = null;
  if (options.redis !== undefined) {
    const { createRedisFleet } = await import('./redis/redis-fleet.js');
    fleet = await createRedisFleet(options.redis, options, new Logger(`OpenCx:${name}:redis`));
  }
  return new OpenCxRegistration(options, name, fleet);
}

/** What `OpenCxModule` provides: the registration's internals, its `HttpService`, and the service. */
export const OPENCX_PROVIDERS: Provider[] = [
  {
    provide: OPENCX_REGISTRATION,
    useFactory: createRegistration,
    inject: [OPENCX_MODULE_OPTIONS, OPENCX_INSTANCE_NAME],
  },
  {
    provide: OPENCX_HTTP_SERVICE,
    useFactory: (registration: OpenCxRegistration) => registration.http,
    inject: [OPENCX_REGISTRATION],
  },
  // The service's constructor is private (only Nest builds it), which `Type` cannot express.
  ContactAuthService as unknown as Type<ContactAuthService>,
];
