/**
 * nestjs-opencx: the NestJS integration for OpenCX's contact-authentication API.
 * This file is the whole public API; anything not exported here is internal.
 */
export { OpenCxModule } from './opencx.module.js';
export { OPENCX_MODULE_OPTIONS, type OpenCxModuleExtras } from './opencx.module-definition.js';
export {
  OPENCX_DEFAULTS,
  type OpenCxModuleOptions,
  type OpenCxCacheOptions,
  type OpenCxRateLimitOptions,
  type OpenCxRedisClient,
  type OpenCxOptionsFactory,
} from './opencx.options.js';
export { OPENCX_HTTP_SERVICE } from './opencx.constants.js';
export { ContactAuthService, type OpenCxEvictOptions } from './contact-auth.service.js';
export type { OpenCxRequestOptions } from './interfaces/request-options.interface.js';
export type {
  AuthenticateUserInput,
  HttpActionOverridesInput,
  OpenCxOverrideValue,
} from './interfaces/authenticate-user-input.interface.js';
export { getContactAuthToken } from './opencx.tokens.js';
export { InjectContactAuth } from './inject-contact-auth.decorator.js';
export type { OpenCxHealth } from './health/health-monitor.js';
export type { OpenCxAttemptEvent, OpenCxAttemptListener, OpenCxAttemptOutcome } from './call/attempt-event.js';
export {
  AuthenticateUserDto,
  AUTHENTICATE_USER_FIELDS,
  AUTHENTICATE_USER_LIMITS,
} from './dto/authenticate-user.dto.js';
export { HttpActionOverridesDto } from './dto/http-action-overrides.dto.js';
export { AuthenticateUserResponseDto, OpenCxContactDto } from './dto/authenticate-user-response.dto.js';
export { ErrorResponseDto, FieldErrorDto } from './dto/error-response.dto.js';
export { OpenCxExceptionFilter, mapOpenCxError, type OpenCxHttpMapping } from './opencx-exception.filter.js';
export { validateAuthenticateUser } from './input/validate-input.js';
export { OPENCX_LANGUAGES, type OpenCxLanguage } from './languages.js';
export {
  OpenCxError,
  OpenCxConfigurationError,
  OpenCxValidationError,
  OpenCxTimeoutError,
  OpenCxConnectionError,
  OpenCxAbortError,
  OpenCxInvalidResponseError,
  OpenCxApiError,
  OpenCxBadRequestError,
  OpenCxAuthenticationError,
  OpenCxPermissionDeniedError,
  OpenCxNotFoundError,
  OpenCxConflictError,
  OpenCxUnprocessableEntityError,
  OpenCxRateLimitError,
  OpenCxInternalServerError,
  createOpenCxApiError,
  type OpenCxFieldError,
  type OpenCxClassValidatorError,
  type OpenCxErrorBody,
  type OpenCxApiErrorInit,
} from './errors/opencx.errors.js';
export { VERSION } from './version.js';
