import { ConsoleLogger } from '@nestjs/common';
import * as fc from 'fast-check';
import { JsonConsoleLogger } from './json-console.logger.js';

// Both stringifiers side by side: the fast path must never render a record differently.
class Probe extends JsonConsoleLogger {
  fast(record: Record<string, unknown>): string {
    return this.stringifyJsonLogObject(record);
  }
}
class Reference extends ConsoleLogger {
  nest(record: Record<string, unknown>): string {
    return this.stringifyJsonLogObject(record);
  }
}

const probe = new Probe({ json: true });
const reference = new Reference({ json: true });

const value = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.bigInt(),
    fc.date(),
    fc.constant(new Map([['a', 1]])),
    fc.constant(new Error('boom')),
    fc.array(tie('any'), { maxLength: 3 }),
    fc.dictionary(fc.string(), tie('any'), { maxKeys: 4 }),
  ),
}));

describe('JsonConsoleLogger', () => {
  it('renders every record exactly as Nest does (property-based)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value.any, { maxKeys: 6 }), (record) => {
        expect(probe.fast(record)).toBe(reference.nest(record));
      }),
      { numRuns: 2_000 },
    );
  });

  it("renders the request log's record like Nest, and things the fast path must not take too", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const records: Array<Record<string, unknown>> = [
      {
        level: 'log',
        pid: 1,
        timestamp: 2,
        message: { msg: 'request', status: 201, durationMs: 1.5 },
        context: 'HTTP',
      },
      { message: 'plain text', n: Number.NaN, inf: Number.POSITIVE_INFINITY },
      { message: { when: new Date(0), big: 10n } },
      { message: { nested: { deeper: { deepest: { x: 1 } } } } },
      { message: { toJSON: () => 'custom' } },
      { message: 'x'.repeat(1_000_001) },
      cyclic,
    ];
    for (const record of records) expect(probe.fast(record)).toBe(reference.nest(record));
  });
});
