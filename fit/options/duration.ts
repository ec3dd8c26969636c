/**
 * Durations as fit options take them (`maxTime`): a positive number of seconds, or text such as
 * "90s", "10m", "1h30m" or "01:30:00". A bare number is seconds, not Slurm's minutes.
 */

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** What a duration may look like, for error messages and help texts. */
export const DURATION_FORMS = 'a positive number of seconds or a duration such as "90s", "10m", "1h30m" or "01:30:00"';

/**
 * Seconds in `v`, or undefined when it is not a duration: a positive number of seconds, or a
 * string of numbers with units (`"90s"`, `"10m"`, `"1h30m"`, `"2d"`), a clock time (`"MM:SS"`,
 * `"HH:MM:SS"`) or a bare number of seconds.
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
