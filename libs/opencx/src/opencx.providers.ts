import type { Provider } from '@nestjs/common';
import { ContactAuthService } from './contact-auth.service.js';
import type { OpenCxSharedState } from './opencx-shared.module.js';
import {
  DEFAULT_OPENCX_NAME,
  OPENCX_INSTANCE_NAME,
  OPENCX_MODULE_OPTIONS,
  OPENCX_REGISTRATION,
  OPENCX_SHARED_STATE,
} from './opencx.constants.js';
import { resolveOpenCxOptions, type OpenCxModuleOptions, type ResolvedOpenCxOptions } from './opencx.options.js';
import { OpenCxRegistration } from './opencx.registration.js';
import { MemoryFleetStore } from './store/memory-fleet-store.js';
import type { OpenCxFleetStore } from './store/opencx-fleet-store.interface.js';
import { loadTelemetry, NO_TELEMETRY } from './telemetry/telemetry.js';

/**
 * Validates the options (a bad configuration stops start-up here, naming each option), then builds
 * the registration. The Redis entry point, and the `redis` client it may load, are imported only
 * when the `redis` shorthand is set; `@opentelemetry/api` only when installed and `telemetry` is on.
 */
async function createRegistration(
  raw: OpenCxModuleOptions,
  name: string,
  shared: OpenCxSharedState,
): Promise<OpenCxRegistration> {
  const options = resolveOpenCxOptions(raw);
  const store = await createStore(options);
  const telemetry = options.telemetry ? await loadTelemetry(name) : NO_TELEMETRY;
  return new OpenCxRegistration(
    options,
    name,
    store ?? new MemoryFleetStore(maxEntriesOf(options)),
    shared,
    !store,
    telemetry,
  );
}

const maxEntriesOf = (options: ResolvedOpenCxOptions): number => (options.cache ? options.cache.maxEntries : 1);

/** The `store` option, or the store the `redis` shorthand stands for; undefined for the in-memory default. */
async function createStore(options: ResolvedOpenCxOptions): Promise<OpenCxFleetStore | undefined> {
  if (options.store) return options.store;
  if (options.redis === undefined) return undefined;
  const { RedisFleetStore } = await import('./redis/index.js');
  const settings = { timeout: options.redisTimeout, maxEntries: maxEntriesOf(options) };
  return typeof options.redis === 'string'
    ? RedisFleetStore.connect(options.redis, settings)
    : new RedisFleetStore(options.redis, settings);
}

/**
 * What one registration provides: its internals, and the service under its token. Only the unnamed
 * registration provides the class token too, so that `app.get(ContactAuthService)` finds the
 * unnamed one, never another organisation's.
 */
export function registrationProviders(name: string, token: string): Provider[] {
  const registration: Provider = {
    provide: OPENCX_REGISTRATION,
    useFactory: createRegistration,
    inject: [OPENCX_MODULE_OPTIONS, OPENCX_INSTANCE_NAME, OPENCX_SHARED_STATE],
  };
  if (name !== DEFAULT_OPENCX_NAME) {
    return [
      registration,
      {
        provide: token,
        useFactory: (built: OpenCxRegistration) => new ContactAuthService(built),
        inject: [OPENCX_REGISTRATION],
      },
    ];
  }
  return [registration, ContactAuthService, { provide: token, useExisting: ContactAuthService }];
}
