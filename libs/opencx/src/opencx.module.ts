import { Inject, Module, Optional, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { OpenCxConfigurationError } from './errors/opencx.errors.js';
import { OPENCX_INSTANCE_NAME } from './opencx.constants.js';
import { ConfigurableOpenCxModule } from './opencx.module-definition.js';

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
