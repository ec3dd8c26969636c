/**
 * Checks of sampler options, so that bad input gets an error naming the option and the value.
 */

/** A positive integer option, or `fallback` when undefined. */
export function positiveInt(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1)
    throw new RangeError(`option ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/** A non-negative integer option, or `fallback` when undefined. */
export function nonNegativeInt(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
    throw new RangeError(`option ${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

/** A number in [0, 1], or `fallback` when undefined. */
export function fraction(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !(v >= 0 && v <= 1))
    throw new RangeError(`option ${name} must be a number between 0 and 1, got ${JSON.stringify(v)}`);
  return v;
}
