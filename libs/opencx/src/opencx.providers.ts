import type { Provider } from '@nestjs/common';
import { ContactAuthService } from './contact-auth.service.js';
import { OPENCX_INSTANCE_NAME, OPENCX_REGISTRATION } from './opencx.constants.js';
import { OPENCX_MODULE_OPTIONS } from './opencx.module-definition.js';
import { resolveOpenCxOptions, type OpenCxModuleOptions, type ResolvedOpenCxOptions } from './opencx.options.js';
import { OpenCxRegistration } from './opencx.registration.js';
import { MemoryFleetStore } from './store/memory-fleet-store.js';
import type { OpenCxFleetStore } from './store/opencx-fleet-store.interface.js';

/**
 * Validates the options (a bad configuration stops start-up here, naming each option), then builds
 * the registration. The Redis entry point, and the `redis` client it may load, are imported only
 * when the `redis` shorthand is set.
 */
async function createRegistration(raw: OpenCxModuleOptions, name: string): Promise<OpenCxRegistration> {
  const options = resolveOpenCxOptions(raw);
  return new OpenCxRegistration(options, name, await createStore(options));
}

/** The `store` option, the store the `redis` shorthand stands for, or the in-memory default. */
async function createStore(options: ResolvedOpenCxOptions): Promise<OpenCxFleetStore> {
  const maxEntries = options.cache ? options.cache.maxEntries : 1;
  if (options.store) return options.store;
  if (options.redis === undefined) return new MemoryFleetStore(maxEntries);
  const { RedisFleetStore } = await import('./redis/index.js');
  const settings = { timeout: options.redisTimeout, maxEntries };
  return typeof options.redis === 'string'
    ? RedisFleetStore.connect(options.redis, settings)
    : new RedisFleetStore(options.redis, settings);
}

/** What `OpenCxModule` provides: the registration's internals, and the service. */
export const OPENCX_PROVIDERS: Provider[] = [
  {
    provide: OPENCX_REGISTRATION,
    useFactory: createRegistration,
    inject: [OPENCX_MODULE_OPTIONS, OPENCX_INSTANCE_NAME],
  },
  ContactAuthService,
];
