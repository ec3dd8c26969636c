/**
 * How every progress line writes a rate (evaluations per second): whole numbers from 100 up,
 * three significant digits below, never an exponent, so a log reads the same at any speed.
 */

/** A rate as `1234` or `56.7`. */
export function formatRate(perSecond: number): string {
  return perSecond >= 100 ? String(Math.round(perSecond)) : perSecond.toPrecision(3);
}
