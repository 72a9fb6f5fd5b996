import { ApiOpenCxErrorResponses } from 'nestjs-opencx';

/** Documents every error answer an OpenCX-backed endpoint of the sample can give: the library's, and its guard's, body limit's and throttler's. */
export const ApiSampleErrorResponses = (): MethodDecorator & ClassDecorator =>
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
  ]);
