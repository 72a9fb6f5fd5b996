import { Inject, Module, Optional, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { OpenCxConfigurationError } from './errors/opencx.errors.js';
import { OPENCX_INSTANCE_NAME } from './opencx.constants.js';
import {
  ConfigurableOpenCxModule,
  type OpenCxForRootAsyncOptions,
  type OpenCxForRootOptions,
} from './opencx.module-definition.js';
import { checkExtras, readAsyncOptions } from './opencx-options.reader.js';
import { readModuleOptions } from './opencx-options.rules.js';

/**
 * Registers `ContactAuthService`. Use `OpenCxModule.forRoot({ apiKey })` or
 * `OpenCxModule.forRootAsync({ imports, inject, useFactory })`; options are validated when the
 * module is created, so a bad configuration stops start-up with a message naming the option.
 * Add `name` to register several organisations and inject each with `@InjectContactAuth(name)`.
 */
// Providers and exports depend on the registration's name: they are set in opencx.module-definition.ts.
@Module({})
export class OpenCxModule extends ConfigurableOpenCxModule implements OnModuleInit {
  constructor(
    @Optional() @Inject(OPENCX_INSTANCE_NAME) private readonly name: string | undefined,
    private readonly moduleRef: ModuleRef,
  ) {
    super();
    if (name === undefined) {
      throw new OpenCxConfigurationError([
        'OpenCxModule was imported as is: import OpenCxModule.forRoot({ apiKey }) or OpenCxModule.forRootAsync({ ... }) instead',
      ]);
    }
  }

  /**
   * Registers the service with these options, read once here: anything but an options object, or
   * an option that cannot be read, stops start-up with an OpenCxConfigurationError.
   */
  static override forRoot(options: OpenCxForRootOptions): DynamicModule {
    const copy = readModuleOptions(options);
    checkExtras(copy);
    return super.forRoot(copy as unknown as OpenCxForRootOptions);
  }

  /** Registers the service with options made by a factory or a class; they are read once, when made. */
  static override forRootAsync(options: OpenCxForRootAsyncOptions): DynamicModule {
    return super.forRootAsync(readAsyncOptions(options, readModuleOptions));
  }

  /** Two registrations under one name would make injection pick one at random: refuse at start-up. */
  onModuleInit(): void {
    const names = this.moduleRef.get<string, string>(OPENCX_INSTANCE_NAME, { strict: false, each: true });
    if (names.filter((name) => name === this.name).length > 1) {
      throw new OpenCxConfigurationError([
        `two OpenCxModule registrations are named "${this.name}": give each its own name, or register it once and share it (README, "Sharing one registration")`,
      ]);
    }
  }
}
