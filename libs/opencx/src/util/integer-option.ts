/** A number as `process.env` and `registerAs` give them: digits, maybe a sign, a fraction, spaces around. */
const NUMERIC = /^\s*-?\d+(\.\d+)?\s*$/;

/**
 * An integer option as the library uses it: a numeric string ("2000", from the environment) read
 * as its number, anything else kept as given; and what is wrong with it, if anything ("must be a
 * number", else the range), for the caller to say after the option's name. Never the value itself.
 */
export function integerOption(given: unknown, min: number, max: number): { value: unknown; problem?: string } {
  const value = typeof given === 'string' && NUMERIC.test(given) ? Number(given) : given;
  if (typeof value !== 'number' || Number.isNaN(value)) return { value, problem: 'must be a number' };
  if (!Number.isInteger(value) || value < min || value > max)
    return { value, problem: `must be an integer from ${min} to ${max}` };
  return { value };
}
