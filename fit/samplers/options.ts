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

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** What a duration may look like, for error messages and help texts. */
export const DURATION_FORMS = 'a positive number of seconds or a duration such as "90s", "10m", "1h30m" or "01:30:00"';

/**
 * Seconds in `v`, or undefined when it is not a duration: a positive number of seconds, or a
 * string of numbers with units (`"90s"`, `"10m"`, `"1h30m"`, `"2d"`), a clock time (`"MM:SS"`,
 * `"HH:MM:SS"`) or a bare number of seconds. A bare number is seconds, not Slurm's minutes.
 */
export function parseDuration(v: unknown): number | undefined {
  let seconds: number;
  if (typeof v === "number") seconds = v;
  else if (typeof v === "string") {
    const t = v.trim().toLowerCase();
    const clock = /^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(t);
    if (clock) seconds = Number(clock[1] ?? 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
    else if (/^(?:\d+(?:\.\d+)?\s*[smhd]\s*)+$/.test(t)) {
      seconds = 0;
      for (const m of t.matchAll(/(\d+(?:\.\d+)?)\s*([smhd])/g)) seconds += Number(m[1]) * UNIT_SECONDS[m[2]];
    } else if (/^\d+(?:\.\d+)?$/.test(t)) seconds = Number(t);
    else return undefined;
  } else return undefined;
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

/** A duration option in seconds (see {@link parseDuration}), or undefined when not given. */
export function duration(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const seconds = parseDuration(v);
  if (seconds === undefined) throw new RangeError(`option ${name} must be ${DURATION_FORMS}, got ${JSON.stringify(v)}`);
  return seconds;
}
