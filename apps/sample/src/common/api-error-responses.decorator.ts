import { ApiOpenCxErrorResponses, type OpenCxErrorResponseDoc } from 'nestjs-opencx';

/**
 * Documents every error answer an OpenCX-backed endpoint of the sample can give: the library's, its
 * guard's, body limit's and throttler's, and the endpoint's own (`also`).
 */
export const ApiSampleErrorResponses = (also: OpenCxErrorResponseDoc[] = []): MethodDecorator & ClassDecorator =>
  ApiOpenCxErrorResponses([
    { status: 401, description: 'Missing or invalid credentials', message: 'Unauthorized' },
    {
      status: 413,
      description: 'The body is larger than the configured limit',
      message: 'The body is larger than allowed',
    },
    {
      status: 429,
      description: 'Too many requests for this caller, or too many failed authentications; see Retry-After',
      message: 'ThrottlerException: Too Many Requests',
    },
    ...also,
  ]);
