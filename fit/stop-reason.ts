/**
 * Why a fit stopped before its planned end, shared by `fit()`, the samplers, results and stores.
 */

/**
 * The monitor returned false, the user's `signal` aborted, the notebook cell running the fit was
 * interrupted, or the time budget (`maxTime`) ran out.
 */
export type StopReason = "monitor" | "signal" | "interrupted" | "maxTime";

/** Every {@link StopReason}, for checking stored values. */
export const STOP_REASONS: readonly StopReason[] = ["monitor", "signal", "interrupted", "maxTime"];

/** Plain words for a stop reason, for result messages and displays. */
export function stopWords(reason: StopReason): string {
  switch (reason) {
    case "monitor":
      return "stopped by the monitor";
    case "signal":
      return "stopped by the abort signal";
    case "interrupted":
      return "interrupted";
    case "maxTime":
      return "stopped at the time limit (maxTime)";
  }
}
