/**
 * nestjs-opencx: the NestJS integration for OpenCX's contact-authentication API.
 * This file is the whole public API; anything not exported here is internal.
 */
export { OpenCxModule } from './opencx.module.js';
export type { OpenCxModuleExtras } from './opencx.module-definition.js';
export { OPENCX_MODULE_OPTIONS } from './opencx.module-definition.js';
export { OPENCX_DEFAULTS, type OpenCxModuleOptions, type ResolvedOpenCxOptions } from './opencx.options.js';
export { OPENCX_HTTP_SERVICE, AUTHENTICATE_USER_PATH } from './opencx.constants.js';
export { ContactAuthService, type OpenCxRequestOptions } from './contact-auth.service.js';
export { getContactAuthToken } from './opencx.tokens.js';
export { InjectContactAuth } from './inject-contact-auth.decorator.js';
export type { OpenCxHealth } from './health/opencx-health.js';
export type { OpenCxAttemptEvent, OpenCxAttemptListener, OpenCxAttemptOutcome } from './http/attempt-event.js';
export { AuthenticateUserDto, AUTHENTICATE_USER_LIMITS } from './dto/authenticate-user.dto.js';
export { HttpActionOverridesDto } from './dto/http-action-overrides.dto.js';
export { AuthenticateUserResponseDto, OpenCxContactDto } from './dto/authenticate-user-response.dto.js';
export { ErrorResponseDto, FieldErrorDto } from './dto/error-response.dto.js';
export { OpenCxExceptionFilter, mapOpenCxError, type OpenCxHttpMapping } from './opencx-exception.filter.js';
export { validateAuthenticateUser, toFieldErrors } from './dto/validate-authenticate-user.js';
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
  type OpenCxErrorBody,
  type OpenCxApiErrorInit,
} from './errors/opencx.errors.js';
export { REDACTED, redact } from './redact.js';
export { VERSION } from './version.js';
