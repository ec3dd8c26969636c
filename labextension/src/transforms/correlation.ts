/**
 * The parameter correlation table of a fit view: the lower triangle of the correlation matrix
 * (the upper one repeats it and the diagonal is 1), values to two decimals, strong correlations
 * flagged because they mean the data cannot tell those parameters apart.
 */

/** |r| at or above this is flagged: the parameters trade off against each other. */
export const STRONG_CORRELATION = 0.9;

/** One cell of the table. */
export interface CorrelationCell {
  /** The value to two decimals, or "—" when undefined (a singular covariance). */
  text: string;
  /** The correlation, null when undefined. */
  value: number | null;
  /** True when |value| ≥ {@link STRONG_CORRELATION}. */
  strong: boolean;
}

/** Rows 1..p-1 of the lower triangle: row i holds the correlations of parameter i with 0..i-1. */
export interface CorrelationTable {
  names: string[];
  rows: { name: string; cells: CorrelationCell[] }[];
}

/**
 * The table of `names` (p parameters) from `correlation`, row-major `p × p`; null when there is
 * nothing to show (fewer than two parameters) or the matrix does not have `p × p` entries (a
 * bundle from another version).
 */
export function correlationTable(
  names: readonly string[],
  correlation: readonly (number | null)[] | undefined,
): CorrelationTable | null {
  const p = names.length;
  if (p < 2 || correlation === undefined || !Array.isArray(correlation) || correlation.length !== p * p) return null;
  const rows: CorrelationTable["rows"] = [];
  for (let i = 1; i < p; i++) {
    const cells: CorrelationCell[] = [];
    for (let j = 0; j < i; j++) {
      const v: unknown = correlation[i * p + j];
      const value = typeof v === "number" && Number.isFinite(v) ? v : null;
      // Two decimals, with -0.00 written as 0.00.
      const text = value === null ? "—" : (Math.abs(value) < 0.005 ? 0 : value).toFixed(2);
      cells.push({ text, value, strong: value !== null && Math.abs(value) >= STRONG_CORRELATION });
    }
    rows.push({ name: names[i], cells });
  }
  return { names: names.slice(0, p - 1), rows };
}
