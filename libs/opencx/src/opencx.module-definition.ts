import { ConfigurableModuleBuilder, type Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ContactAuthService } from './contact-auth.service.js';
import { OpenCxRetryAfterInterceptor } from './opencx-retry-after.interceptor.js';
import { OpenCxSharedModule } from './opencx-shared.module.js';
import { DEFAULT_OPENCX_NAME, OPENCX_INSTANCE_NAME, OPENCX_MODULE_OPTIONS } from './opencx.constants.js';
import { registrationProviders } from './opencx.providers.js';
import type { OpenCxModuleOptions } from './opencx.options.js';
import { checkOpenCxName, getContactAuthToken } from './opencx.tokens.js';

/** Extra, non-option settings of `forRoot` / `forRootAsync`. */
export interface OpenCxModuleExtras {
  /** Register the module globally, so feature modules need not import it. Default false. */
  isGlobal?: boolean;
  /**
   * Name of this registration, for several OpenCX organisations in one application: inject it
   * with `@InjectContactAuth(name)`. Default: the unnamed registration, injectable as
   * `ContactAuthService`.
   */
  name?: string;
  /**
   * Register {@link OpenCxRetryAfterInterceptor} globally (`APP_INTERCEPTOR`): a `Retry-After`
   * header on the 503 of a rate limit, whichever exception filter answers it, and a log line for
   * the operator. The errors answer 400/502/503/504 without it, through any filter. Default false:
   * the only global part the module always installs is the body check of the routes that take the
   * library's DTOs (docs/errors.md).
   */
  retryAfter?: boolean;
  /**
   * Providers added to the registration's module, e.g. for an options factory's own dependencies
   * (as `@nestjs/axios`'s `extraProviders`). Default none.
   */
  extraProviders?: Provider[];
}

// `forRoot` / `forRootAsync` from Nest's `ConfigurableModuleBuilder` (with `useFactory`,
// `useClass` and `useExisting`).
const built = new ConfigurableModuleBuilder<OpenCxModuleOptions>({
  moduleName: 'OpenCx',
  optionsInjectionToken: OPENCX_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createOpenCxOptions')
  .setExtras<OpenCxModuleExtras>(
    { isGlobal: false, name: DEFAULT_OPENCX_NAME, retryAfter: false, extraProviders: [] },
    (definition, extras) => {
      const name = checkOpenCxName(extras.name);
      const token = getContactAuthToken(name);
      // A named registration exports only its string token: were it to export the class too, a
      // module importing two registrations would silently get whichever Nest found first.
      const exports = name === DEFAULT_OPENCX_NAME ? [ContactAuthService, token] : [token];
      const interceptor: Provider[] =
        extras.retryAfter === true ? [{ provide: APP_INTERCEPTOR, useClass: OpenCxRetryAfterInterceptor }] : [];
      return {
        ...definition,
        imports: [...(definition.imports ?? []), OpenCxSharedModule],
        global: extras.isGlobal,
        providers: [
          ...(definition.providers ?? []),
          ...(extras.extraProviders ?? []),
          { provide: OPENCX_INSTANCE_NAME, useValue: name },
          ...registrationProviders(name, token),
          ...interceptor,
        ],
        exports,
      };
    },
  )
  .build();

/** The base class of `OpenCxModule`, with its `forRoot` and `forRootAsync`. */
export const ConfigurableOpenCxModule = built.ConfigurableModuleClass;

/** What `forRoot` takes: the options and the extras. */
export type OpenCxForRootOptions = typeof built.OPTIONS_TYPE;

/** What `forRootAsync` takes: how to make the options (`useFactory`, `useClass`, `useExisting`), and the extras. */
export type OpenCxForRootAsyncOptions = typeof built.ASYNC_OPTIONS_TYPE;
