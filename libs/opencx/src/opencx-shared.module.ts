import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { OpenCxConfigurationError } from './errors/opencx.errors.js';
import { OPENCX_SHARED_STATE } from './opencx.constants.js';
import { OpenCxBodyInterceptor } from './pipes/opencx-body.interceptor.js';
import { MemoryFleetStore } from './store/memory-fleet-store.js';

/** How a registration counts against OpenCX's limit: two registrations of one key must agree. */
interface LimitShape {
  name: string;
  perMinute: number;
  window: number;
}

/**
 * What the registrations of one application share: the in-memory sliding log (so two
 * registrations with the same API key, or the same `rateLimit.group`, share one limit) and the
 * shape each limiter key was registered with.
 */
export class OpenCxSharedState {
  /** The rate limiter's log for every registration without a `store` of its own. */
  readonly limiterStore = new MemoryFleetStore(1);
  private readonly shapes = new Map<string, LimitShape>();

  /** Records that `name` counts against `limiterKey` with this limit, or stops start-up if another registration counts differently. */
  register(limiterKey: string, shape: LimitShape): void {
    const known = this.shapes.get(limiterKey);
    if (!known) {
      this.shapes.set(limiterKey, shape);
      return;
    }
    if (known.perMinute !== shape.perMinute || known.window !== shape.window) {
      throw new OpenCxConfigurationError([
        `registrations "${known.name}" and "${shape.name}" share one OpenCX limit (the same apiKey or rateLimit.group) ` +
          'but set different rateLimit.perMinute or rateLimit.window: give them the same',
      ]);
    }
  }
}

/**
 * Provides {@link OpenCxSharedState} once per application, to every `OpenCxModule` registration,
 * and registers the body check of the routes that take the library's DTOs (see
 * `OpenCxBodyInterceptor`) once, however many registrations there are.
 */
@Global()
@Module({
  providers: [
    { provide: OPENCX_SHARED_STATE, useFactory: () => new OpenCxSharedState() },
    { provide: APP_INTERCEPTOR, useClass: OpenCxBodyInterceptor },
  ],
  exports: [OPENCX_SHARED_STATE],
})
export class OpenCxSharedModule {}
