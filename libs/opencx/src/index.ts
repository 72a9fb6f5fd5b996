/**
 * nestjs-opencx: the NestJS integration for OpenCX's contact-authentication API.
 * This file is the whole public API; anything not exported here is internal. Test helpers live in
 * `nestjs-opencx/testing`, the Redis fleet store in `nestjs-opencx/redis`, the health indicator in
 * `nestjs-opencx/terminus`.
 */
export { OpenCxModule } from './opencx.module.js';
export type {
  OpenCxModuleExtras,
  OpenCxForRootOptions,
  OpenCxForRootAsyncOptions,
} from './opencx.module-definition.js';
export {
  OPENCX_DEFAULTS,
  type OpenCxModuleOptions,
  type OpenCxCacheOptions,
  type OpenCxRateLimitOptions,
  type OpenCxOptionsFactory,
} from './opencx.options.js';
export { ContactAuthService } from './contact-auth.service.js';
export type { OpenCxRequestOptions, OpenCxContactCallOptions } from './interfaces/request-options.interface.js';
export type { AuthenticateUserInput } from './interfaces/authenticate-user-input.interface.js';
export { getContactAuthToken } from './opencx.tokens.js';
export { InjectContactAuth } from './inject-contact-auth.decorator.js';
export type { OpenCxHealth } from './health/health-monitor.js';
export type { OpenCxAttemptEvent, OpenCxAttemptListener, OpenCxAttemptOutcome } from './call/attempt-event.js';
export type {
  OpenCxFleetStore,
  OpenCxSlotRequest,
  OpenCxReservation,
  OpenCxStoreLookup,
  OpenCxSendOutcome,
} from './store/opencx-fleet-store.interface.js';
export { AuthenticateUserDto } from './dto/authenticate-user.dto.js';
export { AuthenticateUserResponseDto, type OpenCxContactDto } from './dto/authenticate-user-response.dto.js';
export { UpdateContactDto } from './dto/update-contact.dto.js';
export type {
  OpenCxContact,
  OpenCxContactPage,
  OpenCxContactFilter,
  OpenCxContactPageQuery,
  OpenCxDeleteResult,
} from './dto/opencx-contact.js';
export { OpenCxRetryAfterInterceptor } from './opencx-retry-after.interceptor.js';
export {
  ApiOpenCxErrorResponses,
  type OpenCxErrorResponseDoc,
} from './swagger/api-opencx-error-responses.decorator.js';
export { validateAuthenticateUser } from './input/validate-input.js';
export { OpenCxValidationPipe } from './pipes/opencx-validation.pipe.js';
export { OPENCX_LANGUAGES, type OpenCxLanguage } from './languages.js';
export {
  type OpenCxFieldError,
  type OpenCxErrorBody,
  OpenCxError,
  OpenCxConfigurationError,
  OpenCxValidationError,
  OpenCxTimeoutError,
  OpenCxConnectionError,
  OpenCxAbortError,
  OpenCxInvalidResponseError,
  OpenCxApiError,
  OpenCxAuthenticationError,
  OpenCxRateLimitError,
  OpenCxClientRateLimitError,
  OpenCxStoreError,
} from './errors/opencx.errors.js';
