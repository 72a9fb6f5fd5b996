import { ConfigurableModuleBuilder } from '@nestjs/common';
import { ContactAuthService } from './contact-auth.service.js';
import { OPENCX_HTTP_SERVICE, OPENCX_INSTANCE_NAME } from './opencx.constants.js';
import type { OpenCxModuleOptions } from './opencx.options.js';
import { DEFAULT_OPENCX_NAME, checkOpenCxName, getContactAuthToken } from './opencx.tokens.js';

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
}

export const {
  ConfigurableModuleClass: ConfigurableOpenCxModule,
  MODULE_OPTIONS_TOKEN: OPENCX_MODULE_OPTIONS,
  OPTIONS_TYPE: OPENCX_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: OPENCX_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<OpenCxModuleOptions>({ moduleName: 'OpenCx' })
  .setClassMethodName('forRoot')
  .setExtras<OpenCxModuleExtras>({ isGlobal: false, name: DEFAULT_OPENCX_NAME }, (definition, extras) => {
    const name = checkOpenCxName(extras.name);
    const token = getContactAuthToken(name);
    // A named registration exports only its string token: were it to export the class too, a
    // module importing two registrations would silently get whichever Nest found first.
    const exports = name === DEFAULT_OPENCX_NAME ? [ContactAuthService, OPENCX_HTTP_SERVICE, token] : [token];
    return {
      ...definition,
      global: extras.isGlobal,
      providers: [
        ...(definition.providers ?? []),
        { provide: OPENCX_INSTANCE_NAME, useValue: name },
        { provide: token, useExisting: ContactAuthService },
      ],
      exports,
    };
  })
  .build();
