import { OpenCxConfigurationError } from './errors/opencx.errors.js';
import { OpenCxSharedState } from './opencx-shared.module.js';

describe('OpenCxSharedState', () => {
  const shape = { name: 'eu', perMinute: 100, window: 60_000 };

  it('lets registrations share a limiter key when they count it the same way, and keys apart differ freely', () => {
    const state = new OpenCxSharedState();
    state.register('key-a', shape);
    expect(() => state.register('key-a', { ...shape, name: 'eu-2' })).not.toThrow();
    expect(() => state.register('key-b', { ...shape, name: 'us', perMinute: 5, window: 1_000 })).not.toThrow();
  });

  it.each([
    ['perMinute', { perMinute: 50 }],
    ['window', { window: 30_000 }],
  ])('stops start-up when two registrations of one limit set a different %s', (_field, change) => {
    const state = new OpenCxSharedState();
    state.register('key-a', shape);
    const second = (): void => state.register('key-a', { ...shape, name: 'us', ...change });
    expect(second).toThrow(OpenCxConfigurationError);
    expect(second).toThrow(
      'Invalid OpenCxModule options: registrations "eu" and "us" share one OpenCX limit (the same apiKey or rateLimit.group) but set different rateLimit.perMinute or rateLimit.window: give them the same',
    );
  });
});
