import { Inject } from '@nestjs/common';
import { getContactAuthToken } from './opencx.tokens.js';

/**
 * Injects the `ContactAuthService` of the registration named `name` (the unnamed one when
 * omitted), for applications that talk to several OpenCX organisations.
 *
 * @example constructor(@InjectContactAuth('eu') private readonly eu: ContactAuthService) {}
 */
export const InjectContactAuth = (name?: string): PropertyDecorator & ParameterDecorator =>
  Inject(getContactAuthToken(name));
