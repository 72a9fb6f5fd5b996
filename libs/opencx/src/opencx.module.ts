import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { OpenCxConfigurationError } from './errors/opencx.errors.js';
import { OPENCX_INSTANCE_NAME } from './opencx.constants.js';
import { ConfigurableOpenCxModule } from './opencx.module-definition.js';
import { OPENCX_PROVIDERS } from './opencx.providers.js';

/**
 * Registers `ContactAuthService`. Use `OpenCxModule.forRoot({ apiKey })` or
 * `OpenCxModule.forRootAsync({ imports, inject, useFactory })`; options are validated when the
 * module is created, so a bad configuration stops start-up with a message naming the option.
 * Add `name` to register several organisations and inject each with `@InjectContactAuth(name)`.
 */
// Exports depend on the registration's name, so they are set in opencx.module-definition.ts.
@Module({ providers: OPENCX_PROVIDERS })
export class OpenCxModule extends ConfigurableOpenCxModule implements OnModuleInit {
  constructor(
    @Inject(OPENCX_INSTANCE_NAME) private readonly name: string,
    private readonly moduleRef: ModuleRef,
  ) {
    super();
  }

  /** Two registrations under one name would make injection pick one at random: refuse at start-up. */
  onModuleInit(): void {
    const names = this.moduleRef.get<string, string>(OPENCX_INSTANCE_NAME, { strict: false, each: true });
    if (names.filter((name) => name === this.name).length > 1) {
      throw new OpenCxConfigurationError([
        `two OpenCxModule registrations are named "${this.name}": give each its own name`,
      ]);
    }
  }
}
