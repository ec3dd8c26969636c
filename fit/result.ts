/**
 * `FitResult`: what every fit method returns, with one set of definitions so that every method
 * reports the same thing:
 * - residuals are `(f(x) − y) / dy`;
 * - `cov` is `(JᵀJ)⁻¹` of those residuals at the optimum, NOT scaled by chisq (for problems
 *   without residuals, `H⁻¹` of the nllf's Hessian, which is the same matrix when
 *   nllf = ½ Σ r²);
 * - `dx = sqrt(diag(cov))`, `corr = cov_ij / (dx_i dx_j)`;
 * - `chisq` = Σ r² / dof with `dof = n − p` (without residuals: 2·nllf / dof);
 * - `stderr` = `dx · sqrt(chisq)` when the problem was given no `dy`, `dx` otherwise.
 */
import { DISPLAY, type MimeBundle } from "../schema/display.js";
import { FIT_BUNDLE_VERSION, FIT_MIME, type FitBundle, type FitBundleModel } from "../schema/fit.js";
import { covarianceAt, type KnownJacobian } from "./covariance.js";
import { fitSvg } from "./plot-svg.js";
import { htmlReport, textReport, type ReportData } from "./report.js";
import type { BandOutcome } from "./model-bands.js";
import type { StopReason } from "./stop-reason.js";
import type { ParameterEstimate, Problem } from "./types.js";

/** Everything a {@link FitResult} is made of (the constructor's options object). */
export interface FitResultInit {
  /** Method name. */
  method: string;
  /** Names of the fitted parameters. */
  labels: string[];
  /** Best values. */
  x: ArrayLike<number>;
  /** Covariance, row-major p × p (unscaled, see the module). */
  cov: ArrayLike<number>;
  /** Negative log-likelihood at x. */
  nllf: number;
  /** Reduced chi-square at x. */
  chisq: number;
  /** Degrees of freedom n − p. */
  dof: number;
  /** Number of data points. */
  points: number;
  /** Model evaluations used by the method. */
  evaluations: number;
  /** Whether the stopping criteria were met. */
  converged: boolean;
  /** Why the method stopped. */
  message: string;
  /** Why the method stopped before its planned end, when it did (its result holds the work so far). */
  stopped?: StopReason;
  /** Whether the problem's data carried dy (decides stderr scaling). */
  hasUncertainties: boolean;
  /** Bounds of the fitted parameters. */
  lower?: ArrayLike<number>;
  upper?: ArrayLike<number>;
  /** The models' data and fit at x, for plots. */
  models?: FitBundleModel[];
  /** Evaluations made ahead of need and never used (see {@link FitResult.speculative}). */
  speculative?: number;
  /**
   * Sampler output (DREAM, SMC), filled by the samplers; its type is theirs
   * (`fit/samplers/`). Optimizers leave it undefined.
   */
  samples?: unknown;
}

/** The optional plot source a problem may offer (FitProblem does). */
interface BundleSource {
  bundleModels(): FitBundleModel[];
}

function hasBundle(p: Problem): p is Problem & BundleSource {
  return typeof (p as Partial<BundleSource>).bundleModels === "function";
}

/**
 * The reduced chi-square at `x` and its degrees of freedom: the sum of squared residuals over
 * dof = n − p, or 2·nllf/dof for a problem without residuals. Leaves the problem at `x`.
 * `sumsq`, the sum of squared residuals at `x` when the caller already has it, spares their evaluation.
 */
export function reducedChisq(problem: Problem, x: ArrayLike<number>, sumsq?: number): { chisq: number; dof: number } {
  const nres = problem.residualCount();
  const dof = (nres > 0 ? nres : problem.pointCount()) - x.length;
  if (nres === 0) return { chisq: (2 * problem.nllf(x)) / Math.max(1, dof), dof };
  if (sumsq !== undefined) return { chisq: sumsq / Math.max(1, dof), dof };
  const r = problem.residuals(x);
  let sum = 0;
  for (let i = 0; i < r.length; i++) sum += r[i] * r[i];
  return { chisq: sum / Math.max(1, dof), dof };
}

/**
 * What every result reads off the problem at its point `x`: nllf, chisq, dof, the number of
 * points, the bounds and the plot data. Leaves the problem set at `x`. `sumsq` as in {@link reducedChisq};
 * `residuals`, the residuals at `x` when the caller has them, spare the nllf's evaluation where the
 * problem can form it from them exactly.
 */
export function resultAt(
  problem: Problem,
  x: Float64Array,
  sumsq?: number,
  residuals?: Float64Array,
): Pick<FitResultInit, "nllf" | "chisq" | "dof" | "points" | "lower" | "upper" | "models"> {
  const nllf = (residuals !== undefined ? problem.nllfFromResiduals?.(x, residuals) : undefined) ?? problem.nllf(x);
  const { chisq, dof } = reducedChisq(problem, x, sumsq);
  const { lower, upper } = problem.bounds();
  let models: FitBundleModel[] = [];
  if (hasBundle(problem)) {
    try {
      models = problem.bundleModels();
    } catch {
      models = []; // plots are optional: a model that cannot draw itself must not lose the result
    }
  }
  problem.setValues(x);
  return { nllf, chisq, dof, points: problem.pointCount(), lower, upper, models };
}

/** Information a method gives when it finishes; the rest is computed from the problem. */
export interface MethodOutcome {
  /** Method name. */
  method: string;
  /** Best point (default: the problem's current values). */
  x?: ArrayLike<number>;
  /** Evaluations used. */
  evaluations: number;
  /** Whether the stopping criteria were met. */
  converged: boolean;
  /** Why it stopped. */
  message: string;
  /** Sampler output, passed through to {@link FitResult.samples}. */
  samples?: unknown;
  /** An accurate residual Jacobian the method already has (see `covarianceAt`'s `known`). */
  jacobian?: KnownJacobian;
  /**
   * The sum of squared residuals at `x`, when the method has them there (the result then does not
   * evaluate them): evaluated, or predicted from a Jacobian taken within a negligible step (lm's
   * last Gauss–Newton step, see `polish` in lm.ts).
   */
  sumsq?: number;
  /** The residuals at `x`, when the method has them there as for `sumsq` (see {@link resultAt}). */
  residuals?: Float64Array;
  /** Evaluations made ahead of need and never used (see {@link FitResult.speculative}). */
  speculative?: number;
}

/** The result of a fit (see the module for the definitions of every field). */
export class FitResult {
  /** Method that produced it. */
  readonly method: string;
  /** Names of the fitted parameters. */
  readonly labels: string[];
  /** Best values. */
  readonly x: Float64Array;
  /** sqrt(diag(cov)) (NaN where the covariance is singular). */
  readonly dx: Float64Array;
  /** Covariance `(JᵀJ)⁻¹`, row-major p × p, not scaled by chisq. */
  readonly cov: Float64Array;
  /** Correlation matrix, row-major p × p. */
  readonly corr: Float64Array;
  /** Σ r² / dof at x. */
  readonly chisq: number;
  /** nllf at x. */
  readonly nllf: number;
  /** Degrees of freedom n − p. */
  readonly dof: number;
  /** Number of data points. */
  readonly points: number;
  /** Model evaluations used by the method (the error-bar computation's are not included). */
  evaluations: number;
  /**
   * Model evaluations made ahead of need and never used, when the method speculated: parallel
   * `lm` evaluates the Jacobian's points at a trial point in the same round as the trial point,
   * before it knows whether the step is accepted. Not in {@link evaluations}, which is what the
   * serial method evaluates; the model ran `evaluations + speculative` times. Undefined when the
   * method evaluated nothing ahead.
   */
  speculative?: number;
  /** Whether the method's stopping criteria were met. */
  readonly converged: boolean;
  /**
   * Why the method stopped; `fit()` adds where it left the problem's parameters when the fit was
   * stopped before it completed.
   */
  message: string;
  /** Why the method stopped before its planned end (undefined when it ran to its end). */
  readonly stopped?: StopReason;
  /** Whether the data carried dy. */
  readonly hasUncertainties: boolean;
  /** `{ name, value, stderr }` per parameter; stderr = dx·sqrt(chisq) without dy, dx with. */
  readonly parameters: ParameterEstimate[];
  /** Lower bounds of the fitted parameters. */
  readonly lower: Float64Array;
  /** Upper bounds of the fitted parameters. */
  readonly upper: Float64Array;
  /** The models' data and fit at x, for plots. */
  readonly models: FitBundleModel[];
  /** Sampler output (see {@link FitResultInit.samples}). */
  readonly samples?: unknown;
  /**
   * How the model band of a sampler's result was made and what it took (set by `fit()` after the
   * sampler ended, when it made one), so that the sampler's own time can be told from the band's.
   */
  band?: BandOutcome;
  /**
   * Wall-clock seconds a sampler's result took to build after its last generation: the draws'
   * statistics and convergence diagnostics and the model at the best draw (set by the sampler
   * methods), so that the sampler's own time can be told from this fixed work.
   */
  summarySeconds?: number;

  /** A result from its parts (methods normally use {@link FitResult.fromProblem}). */
  constructor(init: FitResultInit) {
    const p = init.labels.length;
    if (init.x.length !== p) throw new RangeError(`FitResult: ${init.x.length} values for ${p} labels`);
    if (init.cov.length !== p * p)
      throw new RangeError(`FitResult: covariance has ${init.cov.length} entries, expected ${p * p}`);
    this.method = init.method;
    this.labels = init.labels.slice();
    this.x = Float64Array.from(init.x);
    this.cov = Float64Array.from(init.cov);
    this.dx = new Float64Array(p);
    for (let i = 0; i < p; i++) {
      const v = this.cov[i * p + i];
      this.dx[i] = v >= 0 ? Math.sqrt(v) : NaN;
    }
    this.corr = new Float64Array(p * p);
    for (let i = 0; i < p; i++)
      for (let j = 0; j < p; j++) this.corr[i * p + j] = this.cov[i * p + j] / (this.dx[i] * this.dx[j]);
    this.chisq = init.chisq;
    this.nllf = init.nllf;
    this.dof = init.dof;
    this.points = init.points;
    this.evaluations = init.evaluations;
    this.converged = init.converged;
    this.message = init.message;
    if (init.stopped !== undefined) this.stopped = init.stopped;
    this.hasUncertainties = init.hasUncertainties;
    this.lower = init.lower ? Float64Array.from(init.lower) : new Float64Array(p).fill(-Infinity);
    this.upper = init.upper ? Float64Array.from(init.upper) : new Float64Array(p).fill(Infinity);
    this.models = init.models ?? [];
    this.samples = init.samples;
    if (init.speculative !== undefined) this.speculative = init.speculative;
    const scale = this.hasUncertainties ? 1 : Math.sqrt(this.chisq);
    this.parameters = this.labels.map((name, i) => ({ name, value: this.x[i], stderr: this.dx[i] * scale }));
  }

  /**
   * Builds the result at the method's best point: sets the problem there, computes the
   * covariance with the shared careful Jacobian (or Hessian), chisq, nllf and the plot data.
   */
  static fromProblem(problem: Problem, outcome: MethodOutcome): FitResult {
    const x = Float64Array.from(outcome.x ?? problem.getValues());
    const { cov } = covarianceAt(problem, x, outcome.jacobian);
    return new FitResult({
      ...resultAt(problem, x, outcome.sumsq, outcome.residuals),
      method: outcome.method,
      labels: problem.labels(),
      x,
      cov,
      evaluations: outcome.evaluations,
      converged: outcome.converged,
      message: outcome.message,
      hasUncertainties: problem.hasUncertainties(),
      samples: outcome.samples,
      speculative: outcome.speculative,
    });
  }

  /** Standard uncertainties (the `stderr` of {@link parameters}) as an array. */
  get stderr(): Float64Array {
    return Float64Array.from(this.parameters, (p) => p.stderr);
  }

  /** The parameter estimate called `name`. */
  get(name: string): ParameterEstimate {
    const p = this.parameters.find((q) => q.name === name);
    if (p === undefined) throw new Error(`FitResult has no parameter "${name}" (it has ${this.labels.join(", ")})`);
    return p;
  }

  /** The lmfit-style text report. */
  report(): string {
    return textReport(this.reportData());
  }

  /** Same as {@link report}. */
  toString(): string {
    return this.report();
  }

  /** The `application/vnd.hpcfit.fit+json` bundle (version 2, see schema/fit.ts). */
  bundle(): FitBundle {
    const p = this.labels.length;
    return {
      version: FIT_BUNDLE_VERSION,
      method: this.method,
      parameters: this.parameters.map((q, i) => ({
        name: q.name,
        value: q.value,
        stderr: finite(q.stderr),
        lower: finite(this.lower[i]),
        upper: finite(this.upper[i]),
      })),
      chisq: finite(this.chisq),
      nllf: finite(this.nllf),
      dof: this.dof,
      evaluations: this.evaluations,
      converged: this.converged,
      message: this.message,
      correlation: Array.from({ length: p * p }, (_, k) => finite(this.corr[k])),
      models: this.models,
    };
  }

  /** What the live display adds to a fit's last line (a sampler's diagnostics); empty for optimizers. */
  liveNote(): string {
    return "";
  }

  /** A plain JSON object with every field (for stores and `JSON.stringify`). */
  toJSON(): Record<string, unknown> {
    const arr = (a: Float64Array): (number | null)[] => Array.from(a, finite);
    return {
      method: this.method,
      labels: this.labels,
      x: arr(this.x),
      dx: arr(this.dx),
      cov: arr(this.cov),
      corr: arr(this.corr),
      chisq: finite(this.chisq),
      nllf: finite(this.nllf),
      dof: this.dof,
      points: this.points,
      evaluations: this.evaluations,
      ...(this.speculative !== undefined ? { speculative: this.speculative } : {}),
      converged: this.converged,
      message: this.message,
      ...(this.stopped !== undefined ? { stopped: this.stopped } : {}),
      hasUncertainties: this.hasUncertainties,
      parameters: this.parameters.map((q) => ({ name: q.name, value: q.value, stderr: finite(q.stderr) })),
      lower: arr(this.lower),
      upper: arr(this.upper),
      fit: this.bundle(),
    };
  }

  /**
   * Rich display in the kernel: text report, the fit bundle for the extension's plots, and an
   * HTML fallback (tables, and a static SVG plot of each model with its bands) for viewers without
   * the extension.
   */
  [DISPLAY](): MimeBundle {
    const data = this.reportData();
    const plots = this.models.map(fitSvg).filter((svg): svg is string => svg !== null);
    const html = htmlReport(data) + (plots.length > 0 ? `<div class="hpcfit-fit-plots">${plots.join("")}</div>` : "");
    return { "text/plain": textReport(data), "text/html": html, [FIT_MIME]: this.bundle() };
  }

  private reportData(): ReportData {
    return {
      method: this.method,
      labels: this.labels,
      x: this.x,
      stderr: this.stderr,
      corr: this.corr,
      chisq: this.chisq,
      nllf: this.nllf,
      dof: this.dof,
      points: this.points,
      evaluations: this.evaluations,
      converged: this.converged,
      message: this.message,
      hasUncertainties: this.hasUncertainties,
      lower: this.lower,
      upper: this.upper,
    };
  }
}

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
