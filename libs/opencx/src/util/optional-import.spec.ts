import { importOptional } from './optional-import.js';

describe('importOptional', () => {
  it('loads an installed package', async () => {
    const api = await importOptional<{ trace?: { getTracer?: unknown } }>('@opentelemetry/api');
    expect(typeof api?.trace?.getTracer).toBe('function');
  });

  it('resolves undefined for a package that is not installed', async () => {
    await expect(importOptional('nestjs-opencx-no-such-peer')).resolves.toBeUndefined();
  });
});
