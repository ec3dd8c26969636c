/**
 * DREAM's adaptive crossover (Vrugt et al. 2009, "Accelerating Markov chain Monte Carlo simulation
 * by differential evolution with self-adaptive randomized subspace sampling", IJNSNS 10(3), §3.1).
 * A DE proposal changes each dimension with probability CR; DREAM offers `ncr` values
 * CR = m / ncr and, during burn-in, selects them with probabilities proportional to the mean
 * normalised squared jump distance each value achieved, so that the values that move chains
 * furthest are used most. After burn-in the probabilities are frozen (adapting them then would
 * break detailed balance).
 */

/** What a checkpoint keeps of the adaptation (field names are those of the stored checkpoint). */
export interface CrossoverRecord {
  /** Selection probability of each CR value. */
  pCR: Float64Array;
  /** Sum of normalised squared jumps accepted with each CR value. */
  crJump: Float64Array;
  /** Proposals made with each CR value. */
  crCount: Float64Array;
  /** Cumulative evaluations at each update. */
  crDraws: number[];
  /** Probabilities after each update, `crWeights[u * ncr + m]`. */
  crWeights: number[];
}

/** Least selection probability of any CR value, so adaptation cannot lock a value out. */
const FLOOR = 0.01;

/** The crossover values' selection probabilities and the statistics they adapt from. */
export class CrossoverAdaptation {
  /** Selection probability of CR = (m + 1) / ncr. */
  readonly pCR: Float64Array;
  private readonly jump: Float64Array;
  private readonly count: Float64Array;
  private readonly draws: number[] = [];
  private readonly weights: number[] = [];

  /** Starts with `ncr` equally likely values. */
  constructor(readonly ncr: number) {
    this.pCR = new Float64Array(ncr).fill(1 / ncr);
    this.jump = new Float64Array(ncr);
    this.count = new Float64Array(ncr);
  }

  /** Index m of the CR value chosen by the uniform deviate `u`; its CR is `(m + 1) / ncr`. */
  choose(u: number): number {
    const pCR = this.pCR;
    let m = 0;
    while (m < this.ncr - 1 && u >= pCR[m]) u -= pCR[m++];
    return m;
  }

  /** Counts one proposal made with value `m` and, if it was accepted, its normalised squared jump. */
  note(m: number, accepted: boolean, squaredJump: number): void {
    if (accepted) this.jump[m] += squaredJump;
    this.count[m] += 1;
  }

  /** Updates the probabilities from the statistics so far and records them at `evaluations`. */
  adapt(evaluations: number): void {
    const { ncr, pCR, jump, count } = this;
    let total = 0;
    for (let m = 0; m < ncr; m++) total += count[m] > 0 ? jump[m] / count[m] : 0;
    if (total > 0) for (let m = 0; m < ncr; m++) pCR[m] = (count[m] > 0 ? jump[m] / count[m] : 0) / total;
    let norm = 0;
    for (let m = 0; m < ncr; m++) {
      pCR[m] = Math.max(pCR[m], FLOOR);
      norm += pCR[m];
    }
    for (let m = 0; m < ncr; m++) pCR[m] /= norm;
    this.draws.push(evaluations);
    for (let m = 0; m < ncr; m++) this.weights.push(pCR[m]);
  }

  /** Cumulative evaluations at each update (for the run's record). */
  get updateDraws(): Float64Array {
    return Float64Array.from(this.draws);
  }

  /** Probabilities after each update, `[u * ncr + m]` (for the run's record). */
  get updateWeights(): Float64Array {
    return Float64Array.from(this.weights);
  }

  /** A copy of the adaptation's whole state. */
  snapshot(): CrossoverRecord {
    return {
      pCR: this.pCR.slice(),
      crJump: this.jump.slice(),
      crCount: this.count.slice(),
      crDraws: [...this.draws],
      crWeights: [...this.weights],
    };
  }

  /** Continues from a state taken with {@link snapshot}. */
  restore(record: CrossoverRecord): void {
    this.pCR.set(record.pCR);
    this.jump.set(record.crJump);
    this.count.set(record.crCount);
    // Element by element: a long burn-in's record is too long to spread into push().
    this.draws.length = 0;
    this.weights.length = 0;
    for (const v of record.crDraws) this.draws.push(v);
    for (const v of record.crWeights) this.weights.push(v);
  }
}
