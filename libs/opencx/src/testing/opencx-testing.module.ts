import { Module, type DynamicModule, type ValueProvider } from '@nestjs/common';
import { DEFAULT_OPENCX_NAME } from '../opencx.constants.js';
import { ContactAuthService } from '../contact-auth.service.js';
import { checkOpenCxName, getContactAuthToken } from '../opencx.tokens.js';
import { ContactAuthServiceMock, type ContactAuthMockOptions } from './contact-auth.mock.js';

/** Options of {@link OpenCxTestingModule.forRoot}. */
export interface OpenCxTestingModuleOptions extends ContactAuthMockOptions {
  /** Stand in for the registration of this name. Default: the unnamed registration. */
  name?: string;
  /** Register globally, as `OpenCxModule.forRoot({ isGlobal: true })` would. Default false. */
  isGlobal?: boolean;
}

/**
 * Drop-in replacement for `OpenCxModule` in `Test.createTestingModule`: provides a
 * {@link ContactAuthServiceMock} under the same tokens as the real registration (the class and
 * `getContactAuthToken(name)`; the mock's `httpService` sends nothing), with no API key, no
 * network and no timers.
 *
 * @example
 * const moduleRef = await Test.createTestingModule({
 *   imports: [OpenCxTestingModule.forRoot({ responses: [createOpenCxApiError({ status: 401 })] })],
 *   providers: [MyService],
 * }).compile();
 * const opencx = moduleRef.get(ContactAuthServiceMock);
 */
@Module({})
export class OpenCxTestingModule {
  /** A registration of the mock under the real module's tokens (the unnamed one unless `name` is set). */
  static forRoot(options: OpenCxTestingModuleOptions = {}): DynamicModule {
    const { name, isGlobal = false, ...mockOptions } = options;
    const registration = checkOpenCxName(name);
    const mock = new ContactAuthServiceMock(mockOptions);
    const providers: ValueProvider[] = [{ provide: getContactAuthToken(registration), useValue: mock }];
    if (registration === DEFAULT_OPENCX_NAME) {
      providers.push(
        { provide: ContactAuthService, useValue: mock },
        { provide: ContactAuthServiceMock, useValue: mock },
      );
    }
    return {
      module: OpenCxTestingModule,
      global: isGlobal,
      providers,
      exports: providers.map((provider) => provider.provide),
    };
  }
}
