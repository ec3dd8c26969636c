/**
 * `PoissonCurve`: a curve fitted to counts with the Poisson likelihood instead of Gaussian
 * least squares.
 */
import type { FitBundleModel } from "../schema/fit.js";
import { CurveModel, type CurveFunction, type CurveInitial, type CurveOptions, type CurveX, type ParameterMap } from "./curve.js";

/**
 * Poisson counts model. nllf = Σ [μ − k log μ + log k!] with μ = f(x). Residuals are the signed
 * deviance residuals `sign(μ − k) √(2 (μ − k + k log(k/μ)))`, so that half their sum of squares
 * is the nllf minus its value for a perfect model: least-squares methods (lm) then minimise
 * exactly the Poisson likelihood.
 */
export class PoissonCurveModel extends CurveModel {
  /**
   * @param fn the expected counts `(x, p1, ...) => μ`
   * @param x abscissae
   * @param counts the observed counts (non-negative)
   */
  constructor(fn: CurveFunction, x: CurveX, counts: ArrayLike<number>, initial: CurveInitial = {}, options: CurveOptions = {}) {
    // dy is only used for display: sqrt(k), at least 1.
    const dy = new Float64Array(counts.length);
    for (let i = 0; i < counts.length; i++) {
      const k = counts[i];
      if (!(k >= 0) || !Number.isFinite(k))
        throw new RangeError(`PoissonCurve: counts[${i}] = ${k}; counts must be non-negative`);
      dy[i] = Math.max(1, Math.sqrt(k));
    }
    super(fn, x, counts, dy, initial, options);
  }

  /** Counts carry their own statistics. */
  override hasUncertainties(): boolean {
    return true;
  }

  /** Signed deviance residuals (see the class). */
  override residuals(out: Float64Array, offset: number): void {
    const mu = this.theory();
    const y = this.y;
    for (let i = 0; i < mu.length; i++) out[offset + i] = devianceResidual(mu[i], y[i]);
  }

  /** The Poisson nllf is not half the deviance residuals' sum of squares: it is evaluated. */
  override nllfFromResiduals(): undefined {
    return undefined;
  }

  /** Poisson nllf Σ [μ − k log μ + log k!]; Infinity where μ < 0, or μ = 0 with k > 0. */
  override nllf(): number {
    const mu = this.theory();
    const y = this.y;
    let s = 0;
    for (let i = 0; i < mu.length; i++) {
      const m = mu[i];
      const k = y[i];
      if (!(m >= 0)) return Infinity;
      if (k > 0) {
        if (m === 0) return Infinity;
        s += m - k * Math.log(m) + logFactorial(k);
      } else s += m;
    }
    return s;
  }

  /** Poisson models have no analytic Jacobian of their deviance residuals. */
  override jacobian(): boolean {
    return false;
  }

  /** Bundle with kind "poisson" (error bars sqrt(k)). */
  override bundle(): Omit<FitBundleModel, "name"> {
    return { ...super.bundle(), kind: "poisson" };
  }

  protected override label(): string {
    return `PoissonCurve${this.name ? ` ${this.name}` : ""}`;
  }
}

function devianceResidual(mu: number, k: number): number {
  if (!(mu >= 0)) return NaN;
  if (k === 0) return Math.sqrt(2 * mu);
  if (mu === 0) return -Infinity;
  const d = 2 * (mu - k + k * Math.log(k / mu));
  const r = Math.sqrt(Math.max(0, d));
  return mu >= k ? r : -r;
}

/** log(k!) via log Γ(k + 1) (Lanczos approximation, g = 7, n = 9; Numerical Recipes 3rd ed. §6.1). */
export function logFactorial(k: number): number {
  if (k < 2) return 0;
  if (k < 32 && Number.isInteger(k)) {
    let s = 0;
    for (let i = 2; i <= k; i++) s += Math.log(i);
    return s;
  }
  return logGamma(k + 1);
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

function logGamma(z: number): number {
  const x = z - 1;
  let a = LANCZOS[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** A Poisson curve with its parameters reachable as properties. */
export type PoissonCurve = PoissonCurveModel & ParameterMap;

/** Constructor type of {@link PoissonCurve}. */
export interface PoissonCurveConstructor {
  new (fn: CurveFunction, x: CurveX, counts: ArrayLike<number>, initial?: CurveInitial, options?: CurveOptions): PoissonCurve;
  readonly prototype: PoissonCurveModel;
}

/** `new PoissonCurve(fn, x, counts, initial?, options?)`: counts with a Poisson likelihood. */
export const PoissonCurve = PoissonCurveModel as unknown as PoissonCurveConstructor;
