import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { OpenCxModuleOptions } from './opencx.options.js';

/** Extra, non-option settings of `forRoot` / `forRootAsync`. */
export interface OpenCxModuleExtras {
  /** Register the module globally, so feature modules need not import it. Default false. */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass: ConfigurableOpenCxModule,
  MODULE_OPTIONS_TOKEN: OPENCX_MODULE_OPTIONS,
  OPTIONS_TYPE: OPENCX_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: OPENCX_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<OpenCxModuleOptions>({ moduleName: 'OpenCx' })
  .setClassMethodName('forRoot')
  .setExtras<OpenCxModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
