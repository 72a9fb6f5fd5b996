import { types } from 'node:util';
import { FORBIDDEN_KEYS } from '../dto/opencx.validators.js';
import { fieldPath } from '../errors/field-path.js';

/** Where data is not plain, and why: the field's path (`''` for the value itself) and a message naming it. */
export interface DataProblem {
  field: string;
  message: string;
}

/** What {@link plainDataProblem} checks beyond proxies and values that cannot be read. */
export interface PlainDataChecks {
  /** Refuse `__proto__` / `constructor` / `prototype` keys. Default false. */
  prototypeKeys?: boolean;
  /** Refuse nesting deeper than this many levels below the value. Default: no bound. */
  maxDepth?: number;
}

const subject = (field: string): string => field || 'the input';

/**
 * The first place in `value` that is not plain data: a proxy (its traps may throw, or answer
 * differently each time), a property whose getter throws, an array with empty slots, and what
 * `checks` asks for. Walks with
 * its own stack, so no nesting overflows it; each property is read once. Undefined when it is plain.
 */
export function plainDataProblem(value: unknown, checks: PlainDataChecks = {}): DataProblem | undefined {
  const { prototypeKeys = false, maxDepth = Number.POSITIVE_INFINITY } = checks;
  const stack: Array<[item: unknown, path: string, depth: number]> = [[value, '', 0]];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [item, path, depth] = entry;
    if (item === null || typeof item !== 'object') continue;
    if (types.isProxy(item)) return { field: path, message: `${subject(path)} must be plain data, not a proxy` };
    if (depth > maxDepth) return { field: path, message: `${path} is nested more than ${maxDepth} levels deep` };
    const keys = Object.keys(item);
    // An empty slot is skipped by most readers and sent as null by JSON: nobody's data.
    if (Array.isArray(item) && keys.length !== item.length)
      return { field: path, message: `${subject(path)} must not have empty slots` };
    for (const key of keys) {
      const here = fieldPath(path, key);
      if (prototypeKeys && FORBIDDEN_KEYS.has(key)) return { field: here, message: `${here} is not an allowed key` };
      try {
        stack.push([(item as Record<string, unknown>)[key], here, depth + 1]);
      } catch {
        return { field: here, message: `${here} could not be read (its getter failed)` };
      }
    }
  }
  return undefined;
}
