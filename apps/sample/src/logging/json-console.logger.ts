import { ConsoleLogger } from '@nestjs/common';

/** What `JSON.stringify` renders exactly as Nest's replacer would: no toJSON, bigint, Map, cycle. */
function isFlatValue(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    default:
      return value === null || value === undefined;
  }
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A plain record of flat values, or of plain records of flat values (the request log's shape). */
function isSimpleRecord(record: Record<string, unknown>, depth: number): boolean {
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const value = record[key];
    if (isFlatValue(value)) continue;
    if (depth > 0 && isPlainRecord(value) && isSimpleRecord(value, depth - 1)) continue;
    return false;
  }
  return true;
}

// Nest's own limit (MAX_JSON_LENGTH in console-logger.service.js): past it, its path truncates.
const MAX_LINE = 1_000_000;

/**
 * Nest's `ConsoleLogger` (the sample's logger, `json: true` in production) with a fast path for
 * the line it writes on every request. Nest 12 serialises each record through a replacer that
 * guards against cycles, `toJSON` and runaway sizes, at a per-value cost; a record made only of
 * strings, finite numbers, booleans and nulls, nested at most two levels, cannot hit any of those,
 * so plain `JSON.stringify` renders it identically. Anything else takes Nest's path.
 */
export class JsonConsoleLogger extends ConsoleLogger {
  protected override stringifyJsonLogObject(logObject: Record<string, unknown>): string {
    if (isSimpleRecord(logObject, 2)) {
      const line = JSON.stringify(logObject);
      if (line.length <= MAX_LINE) return line;
    }
    return super.stringifyJsonLogObject(logObject);
  }
}
