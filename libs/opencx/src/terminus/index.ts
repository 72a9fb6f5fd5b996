/**
 * nestjs-opencx/terminus: a `@nestjs/terminus` health indicator for OpenCX. A separate entry
 * point, so `@nestjs/terminus` (an optional peer dependency) is loaded only by apps that use it.
 */
export { OpenCxHealthIndicator, type OpenCxHealthIndicatorOptions } from './opencx.health.js';
