import { OpenCxConfigurationError } from './errors/opencx.errors.js';

// Options come from the application (a literal, a factory, a ConfigService, a proxy): each property
// is read exactly once, into a plain copy that is checked and then used. A getter cannot pass the
// check with one value and be used with another, and one that throws stops start-up with an
// OpenCxConfigurationError naming the option, never with what it threw. A name the library does not
// know is printed only when it cannot be the API key pasted in the wrong place.

/** Problems listed in one error; the rest are counted. */
const MAX_PROBLEMS = 12;
/** An option name longer than this, or not shaped like one, is not printed. */
const PRINTABLE_NAME = /^[A-Za-z_$][\w$]{0,39}$/;
/** A name sharing this many consecutive characters with an API key is not printed. */
const SECRET_RUN = 8;
/** An API key a name can be compared with: printable, and long enough to have such runs. */
const USABLE_KEY = /^[\x21-\x7e]{8,}$/;

/** The plain copy of an options object: its own enumerable string keys, each read once. */
export type OptionsCopy = Record<string, unknown>;

/** Where an options object sits, for the messages about it. */
export interface OptionsPlace {
  /** Put before each option's name: `''`, `'cache.'`, `'per-call '`. */
  prefix: string;
  /** The object as a whole: `'options'`, `'cache'`, `'per-call options'`. */
  label: string;
  /** The names it may hold: only these are named when they cannot be read. */
  known: ReadonlySet<string>;
}

/** Whether `value` is an object that is not an array (and not null). */
export const isRecord = (value: unknown): value is object =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Each own enumerable property of `value`, read once, into an object without a prototype (so a
 * `__proto__` key stays a key).
 */
export function copyOnce(value: object, { prefix, label, known }: OptionsPlace): OptionsCopy {
  let keys: string[];
  try {
    keys = Object.keys(value);
  } catch {
    throw new OpenCxConfigurationError([`${label} could not be read (listing their keys threw)`]);
  }
  const copy: OptionsCopy = Object.create(null) as OptionsCopy;
  for (const key of keys) {
    try {
      copy[key] = (value as Record<string, unknown>)[key];
    } catch {
      const name = known.has(key) ? `${prefix}${key}` : `an option of ${label} that does not exist`;
      throw new OpenCxConfigurationError([`${name} could not be read`]);
    }
  }
  return copy;
}

/** Edit distance between `a` and `b`, or `limit + 1` once it is known to exceed `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    if (Math.min(...next) > limit) return limit + 1;
    row = next;
  }
  return row[b.length]!;
}

/** How many edits a misspelt option name may be from a real one. */
const TYPO = 3;

/**
 * How an option the library does not know is named in an error: by its name when that is a typo of
 * an option's (`apikey`), or when it looks like a name and shares nothing with the API key; else
 * not at all, since a key can be pasted where a name goes, and with no usable key to compare with,
 * any unknown name might be one.
 */
export function unknownOptionName(
  name: string,
  apiKeys: readonly unknown[],
  known: Iterable<string>,
): string | undefined {
  if (!PRINTABLE_NAME.test(name)) return undefined;
  const lower = name.toLowerCase();
  for (const option of known) if (distance(lower, option.toLowerCase(), TYPO) <= TYPO) return name;
  const keys = apiKeys.filter((key) => key !== undefined);
  if (keys.length === 0 || !keys.every((key) => typeof key === 'string' && USABLE_KEY.test(key))) return undefined;
  // In any case: a key's letters are no safer printed in another case.
  for (const key of keys as string[]) {
    const secret = key.toLowerCase();
    for (let i = 0; i + SECRET_RUN <= lower.length; i++)
      if (secret.includes(lower.slice(i, i + SECRET_RUN))) return undefined;
  }
  return name;
}

/** The error for `problems`, listing the first few of a long list. */
export function refused(problems: readonly string[]): OpenCxConfigurationError {
  if (problems.length <= MAX_PROBLEMS) return new OpenCxConfigurationError([...problems]);
  return new OpenCxConfigurationError([
    ...problems.slice(0, MAX_PROBLEMS),
    `and ${problems.length - MAX_PROBLEMS} more problems`,
  ]);
}

const ASYNC_KEYS = new Set([
  'imports',
  'inject',
  'useFactory',
  'useClass',
  'useExisting',
  'provideInjectionTokensFrom',
  'isGlobal',
  'name',
  'exceptionFilter',
  'extraProviders',
]);

/** What a factory made, once settled: a thenable whose `then` cannot be read is not options. */
async function settled(made: unknown): Promise<unknown> {
  let then: unknown;
  try {
    then = (made as { then?: unknown } | null | undefined)?.then;
  } catch {
    throw new OpenCxConfigurationError(['the options made by forRootAsync could not be read']);
  }
  // A promise's rejection is the factory's own error, and goes on as it is.
  return typeof then === 'function' ? await made : made;
}

/**
 * `forRootAsync`'s own options (`useFactory`, `inject`, `imports`, the extras), read once into a
 * plain object, with the one way of making the options checked. `useClass` and `useExisting`
 * become the same factory over the class's `createOpenCxOptions`, so that what any of them makes is
 * read through `read` (once) before Nest or the module sees it.
 */
export function readAsyncOptions(options: unknown, read: (made: unknown) => unknown): OptionsCopy {
  if (!isRecord(options)) throw new OpenCxConfigurationError(['forRootAsync options must be an object']);
  const copy = copyOnce(options, { prefix: '', label: 'forRootAsync options', known: ASYNC_KEYS });
  const makers = ['useFactory', 'useClass', 'useExisting'].filter((key) => copy[key] !== undefined);
  if (makers.length !== 1 || typeof copy[makers[0]!] !== 'function') {
    throw new OpenCxConfigurationError(['forRootAsync needs one function of useFactory, useClass or useExisting']);
  }
  for (const list of ['imports', 'inject', 'extraProviders'])
    if (copy[list] !== undefined && !Array.isArray(copy[list])) {
      throw new OpenCxConfigurationError([`${list} must be an array`]);
    }
  checkExtras(copy);
  const { useFactory, useClass, useExisting, ...rest } = copy;
  if (typeof useFactory === 'function') {
    const make = useFactory as (...deps: unknown[]) => unknown;
    return { ...rest, useFactory: async (...deps: unknown[]) => read(await settled(make(...deps))) };
  }
  const maker = (useClass ?? useExisting) as object;
  return {
    ...rest,
    useFactory: async (factory: { createOpenCxOptions(): unknown }) =>
      read(await settled(factory.createOpenCxOptions())),
    inject: [maker],
    // useClass makes the class a provider of the registration, as Nest's builder would.
    extraProviders: [...((rest.extraProviders as unknown[] | undefined) ?? []), ...(useClass ? [useClass] : [])],
  };
}

/** Checks the extras of `forRoot` and `forRootAsync` (the registration's name is checked apart). */
export function checkExtras(copy: OptionsCopy): void {
  const problems: string[] = [];
  for (const flag of ['isGlobal', 'exceptionFilter'])
    if (copy[flag] !== undefined && typeof copy[flag] !== 'boolean') problems.push(`${flag} must be true or false`);
  if (copy.extraProviders !== undefined && !Array.isArray(copy.extraProviders))
    problems.push('extraProviders must be an array');
  if (problems.length > 0) throw new OpenCxConfigurationError(problems);
}
