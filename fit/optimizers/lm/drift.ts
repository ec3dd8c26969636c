/**
 * Notices an LM run that drifts: it keeps taking accepted steps that move a parameter a long way
 * (by more than a factor of two, or across zero) while the sum of squares hardly falls. Such a run
 * follows a flat valley of a hopeless start (an exponent far from the data, a scale factor running
 * off towards zero or infinity) and would crawl to the step limit, spending thousands of
 * evaluations on a fit no better than where it began; a converging run's steps shrink instead.
 */

/** Accepted steps over which progress is judged. */
export const DRIFT_STEPS = 20;
/** Below this relative reduction of ‖f‖² over {@link DRIFT_STEPS} accepted steps the run makes no progress. */
export const DRIFT_GAIN = 1e-4;
/**
 * A parameter whose change over the same steps exceeds this fraction of its larger magnitude
 * (a factor of two, or a change of sign) is drifting. Converging NIST runs whose sum of squares
 * falls as slowly move their parameters by under 1% over as many steps.
 */
export const DRIFT_MOVE = 0.5;

/** The accepted points of the last {@link DRIFT_STEPS} steps, and the test on them. */
export class LmDrift {
  private readonly points: Float64Array[];
  private readonly sumsq: Float64Array;
  private count = 0;

  /** For `n` parameters. */
  constructor(private readonly n: number) {
    this.points = Array.from({ length: DRIFT_STEPS + 1 }, () => new Float64Array(n));
    this.sumsq = new Float64Array(DRIFT_STEPS + 1);
  }

  /**
   * Records the point `x` an accepted step reached and ‖f‖² there; returns the index of a
   * parameter that drifted over the last {@link DRIFT_STEPS} steps while ‖f‖² fell by less than
   * {@link DRIFT_GAIN} relative, or −1. Parameters flagged in `held` are not judged.
   */
  accepted(x: Float64Array, sumsq: number, held: Uint8Array): number {
    const slots = DRIFT_STEPS + 1;
    const now = this.count % slots;
    this.points[now].set(x);
    this.sumsq[now] = sumsq;
    this.count++;
    if (this.count < slots) return -1;
    const then = this.count % slots;
    const before = this.sumsq[then];
    if (!(before - sumsq < DRIFT_GAIN * before)) return -1;
    const old = this.points[then];
    let worst = -1;
    let largest = DRIFT_MOVE;
    for (let j = 0; j < this.n; j++) {
      if (held[j]) continue;
      const scale = Math.max(Math.abs(x[j]), Math.abs(old[j]));
      const move = scale > 0 ? Math.abs(x[j] - old[j]) / scale : 0;
      if (move > largest) {
        largest = move;
        worst = j;
      }
    }
    return worst;
  }
}
