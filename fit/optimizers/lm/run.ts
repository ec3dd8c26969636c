/**
 * Levenberg–Marquardt least squares of MINPACK quality: J. J. Moré, "The Levenberg–Marquardt
 * algorithm: implementation and theory", Numerical Analysis (Dundee 1977), Lecture Notes in
 * Mathematics 630, Springer 1978, pp. 105–116 — a trust region of radius Δ in the norm scaled by
 * the Jacobian's column norms (adaptively increased), the step from a column-pivoted QR of J and
 * the Moré–Hebden iteration on the LM parameter, Δ updated from the ratio of actual to predicted
 * reduction, and the stopping tests of MINPACK's LMDIF/LMDER.
 *
 * Additions: an analytic Jacobian when the problem gives one, else finite differences (forward,
 * and central near the optimum only where the forward differences' error could move it by more
 * than 5e-7 relative, see `forwardBias`: there a forward Jacobian corrected by one central
 * difference along the direction that error moves the optimum most, see `biasDirection`, or where
 * the error is spread over several directions, central differences in the columns whose error
 * moves it, see `chooseCentralColumns`); a stop as soon as the Gauss–Newton steps, extrapolated
 * at their rate of convergence, no longer change the answer (`STEP_TOL`), which usually spares
 * the one or two Jacobians MINPACK's tests take to notice (the first central step after forward
 * ones is extrapolated at the forward steps' rate, so one central Jacobian can end the run), and
 * before evaluating a trial point when the Gauss–Newton step from the Jacobian just measured
 * lands that near: that step is taken unevaluated, its residuals as the Jacobian predicts them
 * (`polish`; where central differences are due there, they begin at that point, the forward
 * Jacobian serving the columns that stay forward), as is the Gauss–Newton step from a Jacobian
 * measured at the end for the error bars (`closingPolish`); Gauss–Newton steps that converge
 * linearly along one direction scaled by 1/(1 − ρ) to land near their limit (`extrapolate`);
 * bounds by an active set (a variable at a bound whose gradient points outwards
 * is held) and projection of the trial point onto the box, with the predicted reduction
 * computed for the projected step; a one-evaluation line search on accepted steps whose
 * interpolated minimiser lies far from the step's end and whose trial did not beat the Gauss–Newton
 * model's prediction by much (see `extend`, EXTEND_RATIO_MAX). The last Jacobian (analytic,
 * central, or forward differences, whose O(√ε) error moves the error bars far below the digits
 * they carry), when taken at the optimum within 1e-5 relative, also gives the error bars, which
 * then cost no further evaluation; the residuals at the optimum are returned (evaluated, or
 * predicted by the polish), from which the
 * result reads the nllf where the problem can (no evaluation either); the outcome
 * says where the evaluations went (`spent`).
 *
 * Runs that take more than SECANT_AFTER iterations go on with Broyden (secant) updates of the
 * Jacobian, measuring it again after a refused step and for good once a stopping test passes
 * (option `jacobian`).
 *
 * Non-finite models: a trial point whose residuals hold NaN or ±Infinity is rejected like any
 * step that does not reduce ‖f‖² (the trust region shrinks); a Jacobian column that is not
 * finite is recomputed by finite differences on the side where the model is finite, and held
 * for the iteration when neither side is. When the trust region shrinks to nothing against such
 * a region the run ends unconverged, saying where; when no step from the start could be taken
 * at all it throws a {@link NonFiniteError}.
 */
import { applyQt, norm2, qrFactor } from "../../linalg/qr.js";
import { startNotFinite, type FitMethod, type MethodContext } from "../../methods.js";
import { FitResult } from "../../result.js";
import { firstNonFinite, NonFiniteLog, nothingFinite, rejectedNote } from "../../non-finite.js";
import type { FitOptions, Problem } from "../../types.js";
import { optionalOption, readOption } from "../../options/check.js";
import type { MethodOptions } from "../../options/types.js";
import { lmParameter, LmStepWork, qrSolve } from "./step.js";
import { parallelEvaluator, wantsWorkers, type PopulationEvaluator } from "../../samplers/evaluator.js";
import { jacobianStillValid } from "../../covariance.js";
import { LmSpeculation, type AheadOfNeed } from "./speculation.js";
import { DRIFT_GAIN, DRIFT_STEPS, LmDrift } from "./drift.js";

const EPS = 2.220446049250313e-16;

/** The forward-difference step for a parameter at `x`: sqrt(EPS) relative (absolute at zero). */
function forwardStep(x: number): number {
  return 1.4901161193847656e-8 * (x !== 0 ? Math.abs(x) : 1);
}

/**
 * Writes a central-difference Jacobian column into `column` from the residuals `up` at +hp and
 * `down` at −hm; where only one side is finite (the model is not finite on the other), a
 * one-sided difference against `fvec` on that side. False when neither side is finite.
 */
function centralColumn(
  column: Float64Array,
  fvec: Float64Array,
  up: Float64Array,
  upFinite: boolean,
  hp: number,
  down: Float64Array,
  downFinite: boolean,
  hm: number,
): boolean {
  const m = column.length;
  if (upFinite && downFinite) {
    for (let i = 0; i < m; i++) column[i] = (up[i] - down[i]) / (hp + hm);
    return true;
  }
  if (!upFinite && !downFinite) return false;
  const side = upFinite ? up : down;
  const h = upFinite ? hp : -hm;
  for (let i = 0; i < m; i++) column[i] = (side[i] - fvec[i]) / h;
  return true;
}
/**
 * A Gauss–Newton step whose change of every parameter, extrapolated over the remaining steps at
 * the observed rate of convergence, stays below this (relative) ends the run: further Jacobians
 * would not move the answer in the digits a fit reports.
 */
const STEP_TOL = 2e-7;
/**
 * The step test's tolerance on central differences: they converge where the answer is hard to
 * reach (large residuals, ill-conditioning), so the extrapolation is trusted less.
 */
const CENTRAL_STEP_TOL = 3e-8;
/** The step test applies once a step reduces ‖f‖² by at most this fraction: the sum of squares, which scales the error bars, has settled. */
const STEP_SETTLED = 1e-4;
/**
 * A last Gauss–Newton step taken unevaluated (see `polish`) may reduce ‖f‖² by at most this
 * fraction: the sum of squares it predicts, which scales the error bars, is then exact to the
 * model's curvature over a step that small (on the NIST runs to 8 digits or more). Not
 * STEP_SETTLED, which a stop that drops the step needs: taken, the step's reduction is in the sum
 * (Lanczos2 from start 2 ends 23 evaluations sooner). Without a bound, Lanczos1 from start 2,
 * whose residuals vanish at the optimum so that its sum of squares is rounding, ends 14
 * evaluations sooner with error bars good to 5.6 digits instead of 7.3.
 */
const POLISH_SETTLED = 1e-3;
/** Above this relative shift of the optimum by the forward differences' error, the run goes on with central differences. */
const BIAS_TOL = 5e-7;
/** ...which it switches to after an accepted step that reduces ‖f‖² by less than this fraction (among other tests). */
const SWITCH_REDUCTION = 1e-10;
/**
 * On several workers, a trial point predicted to reduce ‖f‖² by less than SWITCH_REDUCTION, after
 * an accepted step that reduced it by at most this fraction, is the forward phase's end: its round
 * evaluates the central Jacobian's points there before the forward one's (see `trialAhead`). Early
 * steps in a tiny trust region are predicted to reduce as little and are followed by larger ones.
 */
const ENDING_REDUCTION = 1e-8;
/**
 * The last Jacobian serves the error bars when taken within this relative distance of the
 * optimum (the last step, at most a few times STEP_TOL when the step test stops the run): the
 * covariance moves by about as much times the model's relative curvature, below 1e-4 on the NIST
 * problems, while error bars are read to two to four digits.
 */
const COVARIANCE_REUSE = 1e-5;
/**
 * Iterations with measured Jacobians before secant updates take over (option `jacobian`). Most
 * runs converge well before: a measured Jacobian's quadratic end game needs fewer evaluations
 * than the secant updates' superlinear one (on the NIST problems, with secant updates from the
 * first iteration lm needed no more evaluations than MINPACK on 17 of the 54 runs instead of 27,
 * and five runs missed the certified digits). A run that has taken this many is crawling along
 * a curved valley far from the optimum, where each step moves little and a secant update (one
 * evaluation instead of n) follows the Jacobian well enough.
 */
const SECANT_AFTER = 40;
/**
 * Extrapolation of linearly converging Gauss–Newton steps (see `extrapolate`) needs consecutive
 * steps parallel within this cosine: one error mode dominates only then, and e_{k+1} ≈ ρ e_k holds.
 * (At 0.95 the extrapolation also fired on steps turning along a curved valley, and cost more
 * evaluations than it saved on the NIST runs.)
 */
const EXTRAPOLATE_COS = 0.999;
/** ...and a rate of at least this size: the steps left after a faster one sum to little. */
const EXTRAPOLATE_RATE_MIN = 0.2;
/**
 * ...and at most this: the factor 1/(1 − ρ) stays below 2, where the Gauss–Newton model, which
 * predicts the reduction α(2 − α) times that of the plain step, still predicts one, so the ratio
 * test judges the trial as usual. Oscillating steps (ρ < 0) are taken down to ρ = −0.9 (factor
 * 0.53); nearer −1 the rate is too uncertain for the factor to land near the limit.
 */
const EXTRAPOLATE_RATE_MAX = 0.5;
/**
 * The relative step of a central difference, in a column or along the direction of largest
 * forward bias (see `biasDirection`): ε^(1/3) balances the O(h²) truncation error against rounding.
 */
const CENTRAL_STEP = 6.0554544523933395e-6;
/** Power iterations that find that direction, and the next one's eigenvalue. */
const DIRECTION_ITERATIONS = 30;
/**
 * ...which corrects the forward Jacobian only where the next eigenvalue of the relative inverse
 * normal matrix is at most this fraction of the largest: the bias then lies along the one direction
 * (on the NIST problems, Lanczos, MGH17, Nelson, Roszman1 and Rat43: 4e-5 to 2e-2). Where it is
 * spread over several (ENSO, MGH09, Hahn1, Kirby2: 0.13 to 0.19), the central phase differences
 * columns, which converges in fewer iterations there.
 */
const DIRECTION_GAP = 0.1;
/**
 * Corrected Jacobians after which the central phase differences columns instead. On the NIST
 * problems it ends within two, and Brown–Dennis (test/fit/lm-held-out.test.ts) needs between 20
 * and 40; but where the model is degenerate (Chwirut2 from a start where its exponential has died
 * out) each correction tilts the next step anew and the phase ran to the step limit, where
 * central columns stop at xtol.
 */
const DIRECTION_MAX_JACOBIANS = 40;
/**
 * A full Gauss–Newton step on a forward-difference Jacobian refused while predicting a relative
 * reduction of ‖f‖² of at most this, where the forward differences' error could move the optimum
 * beyond BIAS_TOL, ends the forward phase: the step is as long as that error's effect, and
 * shrinking the trust region around the same Jacobian only probes it (Lanczos2 from start 2 spent
 * 29 evaluations so before the floor test stopped it).
 */
const BIAS_REFUSAL = 1e-7;
/** A failed step whose predicted and actual relative reductions of ‖f‖² are both below this ends the run (see code 14). */
const FLOOR_FTOL = 1e-8;
/** ...when it changes no parameter by more than this (relative). */
const FLOOR_STEP = 1e-6;
/** A line-search extension is tried when the interpolated minimiser lies beyond this multiple of the step. */
const EXTEND_MIN = 1.5;
/**
 * ...and only when the trial did not beat the Gauss–Newton model's prediction by more than this
 * factor (its ratio of actual to predicted reduction of ‖f‖² at most this). Beyond it the parabola
 * through φ(0), φ'(0) and φ(1) is flatter than the model and puts the minimiser far out (α from 6
 * to 100 on Chwirut's first steps), where the residuals' own curvature, not the parabola, decides:
 * on the NIST runs and Brown–Dennis (test/fit/lm-held-out.test.ts), extensions after a ratio above
 * this lowered ‖f‖ 9 times in 32, those after one below 98 times in 177. Leaving them out spares
 * from 1 to 61 evaluations on 8 NIST runs and costs 2 on one (Nelson from start 1). (Extensions
 * after ratios well below 1 fail as often on the NIST runs but carry Brown–Dennis along its valley.)
 */
const EXTEND_RATIO_MAX = 1.01;
/** Longest extension, in multiples of the accepted step. */
const EXTEND_MAX = 8;
/** Below this relative reduction the sum of squares is too near its rounding floor to interpolate. */
const EXTEND_SIGNIFICANT = 1e-12;
/** A shortened step is tried when the interpolated minimiser lies in [SHORTEN_MIN, SHORTEN_MAX]. */
const SHORTEN_MIN = 0.1;
const SHORTEN_MAX = 0.75;
/**
 * ...and only when the accepted step turns back on the one before it, their cosine (scaled) below
 * minus this. A step short of the line minimiser in the linear regime is ρ times the last one with
 * ρ < 0, so the two are antiparallel; a step along the last one is the quadratic end game or a
 * curved valley, where the line minimiser lies off the path to the optimum and the next
 * Gauss–Newton step from the unshortened point goes further (on the NIST runs, shortening
 * regardless of direction costs evaluations on 10 runs, Misra1a from start 1 3 and ENSO from start 2
 * 40, and saves them on none; any threshold from 0.8 to 0.95 loses on no run).
 */
const SHORTEN_COS = 0.9;

/** Options of the `lm` method: steps, ftol, xtol, gtol, factor, diff, accel, extend (described in the fit options table). */
export type LmOptions = MethodOptions<"lm">;

/** How an LM run ended. */
export interface LmOutcome {
  x: Float64Array;
  /** ‖f‖² at x (of `residuals`). */
  sumsq: number;
  /**
   * The residuals at x: evaluated there, or after a polish (a last Gauss–Newton step of at most
   * COVARIANCE_REUSE relative, not evaluated) as the Jacobian predicts them.
   */
  residuals: Float64Array;
  converged: boolean;
  message: string;
  /**
   * MINPACK's info code (1–8; 0 when stopped by the user, 9 on non-finite residuals at the start,
   * 10 when the trust region shrank to nothing on non-finite trial points, 11 when the Jacobian
   * is not finite in any direction, 12 when the steps became negligible before MINPACK's tests
   * stopped the run, 13 when it gave up on a start that drifts without progress, see `drift.ts`,
   * 14 when a step failed at the rounding floor of the sum of squares).
   */
  info: number;
  iterations: number;
  /** Where the residual evaluations went. */
  spent: LmEvaluations;
  /**
   * The last Jacobian (analytic or finite differences; row-major, residuals × parameters) and
   * the point it was taken at, when it covers every parameter; the error bars
   * reuse it when that point is the optimum within tolerance (see `covarianceAt`).
   */
  jacobian?: { J: Float64Array; at: Float64Array; within: number };
  /**
   * Evaluations made ahead of need on a parallel evaluator (see `speculation.ts`) whose values
   * the iteration never used: not in `spent` nor in the evaluation count, which are the serial run's.
   */
  speculative?: number;
}

/** Residual evaluations of an LM run, by what they were for. */
export interface LmEvaluations {
  /** The start point. */
  start: number;
  /** Finite-difference Jacobians (forward). */
  forward: number;
  /** Finite-difference Jacobians (central, and the pairs that correct forward ones along one direction). */
  central: number;
  /** Analytic Jacobians (one per call). */
  analytic: number;
  /** Trial points of LM steps (accepted or rejected). */
  trials: number;
  /** Line-search points along accepted steps, and geodesic-acceleration probes. */
  lineSearch: number;
  /** Probes that find which parameters sit at the edge of a non-finite region. */
  walls: number;
  /** Full Jacobians computed. */
  jacobians: number;
}

const MESSAGES: Record<number, string> = {
  0: "stopped by the user",
  1: "relative reduction of the sum of squares is at most ftol",
  2: "relative change of the parameters is at most xtol",
  3: "relative reduction of the sum of squares is at most ftol and relative change of the parameters at most xtol",
  4: "the residuals are orthogonal to the Jacobian's columns within gtol",
  5: "reached the maximum number of steps",
  6: "no further reduction of the sum of squares is possible in double precision",
  7: "no further improvement of the parameters is possible in double precision",
  8: "the residuals are orthogonal to the Jacobian's columns in double precision",
  9: "the residuals are not finite at the starting point",
  10: "the trust region shrank to nothing: the steps tried led where the model is not finite",
  11: "the Jacobian is not finite in the direction of any parameter",
  12: "the last Gauss–Newton steps shrink fast enough that the remaining ones change no parameter by more than 2e-7 relative",
  13: "gave up: no progress",
  14: "a Gauss–Newton step of at most 1e-6 relative, predicted to reduce the sum of squares by at most 1e-8 relative, failed: the sum of squares is at its rounding floor",
};

/**
 * Minimises ‖f(x)‖² for the problem's residuals from its current values. Leaves the problem at
 * the best point.
 * @throws NonFiniteError when the model is not finite wherever a first step from the start leads
 */
export async function levenbergMarquardt(problem: Problem, options: LmOptions = {}, context?: MethodContext): Promise<LmOutcome> {
  const workers = optionalOption("lm", options, "parallel");
  const modelFile = optionalOption("lm", options, "modelFile");
  // An evaluator from outside (a fit job's srun'd workers) takes the Jacobian's points; its owner closes it.
  const given = optionalOption("lm", options, "evaluator");
  if (given !== undefined && typeof given.evaluateResiduals !== "function")
    throw new Error("lm: the evaluator given must evaluate residual vectors (evaluateResiduals) for the Jacobian's columns");
  let evaluator: PopulationEvaluator | undefined;
  const choose = async (startMs: number): Promise<PopulationEvaluator | undefined> => {
    if (given !== undefined) return given;
    // "auto": worker threads only for a model slow enough to gain from them, and only when they can load it.
    if (!wantsWorkers(workers, startMs, modelFile) || workers === undefined || workers === false) return undefined;
    evaluator = await parallelEvaluator(problem, workers, modelFile);
    return evaluator;
  };
  try {
    return await lmRun(problem, options, context, choose);
  } finally {
    await evaluator?.close();
  }
}

/** The LM iteration; `choose` picks where the finite differences are evaluated, given the cost of the first evaluation. */
async function lmRun(
  problem: Problem,
  options: LmOptions,
  context: MethodContext | undefined,
  choose: (startMs: number) => Promise<PopulationEvaluator | undefined>,
): Promise<LmOutcome> {
  const m = problem.residualCount();
  const x = problem.getValues();
  const n = x.length;
  if (m === 0) throw new Error("lm: the problem has no residuals");
  if (m < n)
    throw new Error(`lm: ${m} residuals for ${n} parameters; least squares needs at least as many residuals as parameters`);
  const maxIter = readOption("lm", options, "steps", n);
  const ftol = readOption("lm", options, "ftol");
  const xtol = readOption("lm", options, "xtol");
  const gtol = readOption("lm", options, "gtol");
  const factor = readOption("lm", options, "factor");
  const diff = readOption("lm", options, "diff");
  const auto = diff === "auto";
  let central = diff === "central";
  const spent: LmEvaluations = {
    start: 0,
    forward: 0,
    central: 0,
    analytic: 0,
    trials: 0,
    lineSearch: 0,
    walls: 0,
    jacobians: 0,
  };
  const { lower, upper } = problem.bounds();
  for (let j = 0; j < n; j++) x[j] = Math.min(upper[j], Math.max(lower[j], x[j]));

  // Workspaces: allocated once, reused by every iteration.
  const fvec = new Float64Array(m);
  const ftrial = new Float64Array(m);
  const fwork = new Float64Array(m);
  const fwork2 = new Float64Array(m);
  const fjac = new Float64Array(m * n); // column-major
  // The last Jacobian (column-major) and where it was taken, kept for the error bars because the
  // QR factorization overwrites fjac.
  const jkeep = new Float64Array(m * n);
  const jkeepAt = new Float64Array(n);
  // Whether the last Jacobian covers every parameter (no column held for being non-finite).
  let keepAccurate = false;
  // Whether the last Jacobian is the problem's analytic one.
  let analyticUsed = false;
  const jrow = new Float64Array(m * n); // row-major, for analytic Jacobians
  const diag = new Float64Array(n);
  const qtf = new Float64Array(n);
  const rdiag = new Float64Array(n);
  const acnorm = new Float64Array(n);
  const ipvt = new Int32Array(n);
  const r = new Float64Array(n * n);
  const step = new Float64Array(n);
  const xtrial = new Float64Array(n);
  const wa = new Float64Array(n);
  const wa3 = new Float64Array(n);
  const work = new LmStepWork(n);
  const biasWork = new Float64Array(n * n);
  // Each column's share of the bound on the forward differences' bias, per parameter (see forwardBias).
  const biasTerms = new Float64Array(n * n);
  // The columns differenced centrally once central differences are on (every one for diff "central").
  const centralColumns = new Uint8Array(n).fill(1);
  const held = new Uint8Array(n);
  const accel = readOption("lm", options, "accel");
  const jcopy = accel ? new Float64Array(m * n) : fjac;
  const rvv = accel ? new Float64Array(m) : fwork;
  const acc = new Float64Array(n);
  const accDiag = new Float64Array(n);
  const accWork = new Float64Array(n);
  const accSdiag = new Float64Array(n);
  const rcopy = accel ? new Float64Array(n * n) : r;
  const extend = optionalOption("lm", options, "extend") ?? !accel;
  const xext = new Float64Array(n);
  const fext = new Float64Array(m);
  const nonFinite = new NonFiniteLog(n);
  // Columns of the current Jacobian that could not be made finite: held for the iteration.
  const unusable = new Uint8Array(n);
  // Parameters held where the model stops being finite (a wall the trust region collapsed on).
  const wall = new Uint8Array(n);
  let walls = 0;
  // The central phase of diff "auto" corrects each forward Jacobian along the one direction its
  // error moves the optimum most (see `biasDirection`): two evaluations per Jacobian whatever the
  // number of parameters. Where that does not serve (at most two central columns, which cost no
  // more; the error spread over several directions; a parameter held or at zero; a singular
  // factorization; the points outside the box) it differences the columns `chooseCentralColumns`
  // picked centrally, from then on.
  let directional = auto;
  // Whether the next Jacobian is taken at the point where the forward one in jkeep was, which
  // serves its forward columns (the central phase beginning where the forward one ended).
  let forwardKept = false;
  // Jacobians corrected so far (see DIRECTION_MAX_JACOBIANS).
  let directionalJacobians = 0;
  const dirScale = new Float64Array(n);
  const dirV = new Float64Array(n);
  const dirZ = new Float64Array(n);
  const dirW = new Float64Array(n);
  const dirU = new Float64Array(n);
  const dirPlus = new Float64Array(n);
  const dirMinus = new Float64Array(n);

  const residualNorm = (at: Float64Array, out: Float64Array): number => {
    problem.residuals(at, out);
    return normOf(at, out);
  };
  /** ‖out‖ for the residuals `out` at `at`, or Infinity (the point noted) when they are not finite. */
  const normOf = (at: Float64Array, out: Float64Array): number => {
    const v = norm2(out, 0, m);
    if (Number.isFinite(v)) return v;
    const k = firstNonFinite(out, m);
    nonFinite.note("residuals", at, k >= 0 ? out[k] : v);
    return Infinity;
  };
  /** Whether `f[0..m)` is finite; notes the point `at` when not. */
  const finiteAt = (f: Float64Array, at: Float64Array): boolean => {
    const k = firstNonFinite(f, m);
    if (k < 0) return true;
    nonFinite.note("residuals", at, f[k]);
    return false;
  };
  /** The columns the central phase differences centrally now: none before it, and none while it corrects along one direction. */
  const columnsInUse = (): Uint8Array | undefined => (central && !directional ? centralColumns : undefined);

  /**
   * The finite differences' points of the Jacobian at `at` (as {@link jacobian} evaluates them)
   * into `points` (row-major), their steps into `steps`; per parameter, its kind (0 none: no room
   * either way, the serial fallback decides; 1 central, two points; 2 forward) into `kind` and its
   * first point's row into `first`. Returns the number of points. `columns` flags the columns
   * differenced centrally (none when undefined; by default those of the central phase, once on).
   * With `kept`, the other columns are those of the forward Jacobian kept in jkeep (kind 3, no point).
   */
  const jacobianPoints = (
    at: Float64Array,
    points: Float64Array,
    kind: Int8Array,
    steps: Float64Array,
    first: Int32Array,
    columns: Uint8Array | undefined = columnsInUse(),
    kept = false,
  ): number => {
    let count = 0;
    for (let j = 0; j < n; j++) {
      const xj = at[j];
      first[j] = count;
      kind[j] = 0;
      if (columns !== undefined && columns[j]) {
        const h = CENTRAL_STEP * (xj !== 0 ? Math.abs(xj) : 1);
        if (xj + h <= upper[j] && xj - h >= lower[j]) {
          kind[j] = 1;
          for (const sign of [1, -1]) {
            const row = points.subarray(count * n, count * n + n);
            row.set(at);
            row[j] = sign > 0 ? xj + h : xj - h;
            steps[count] = sign > 0 ? row[j] - xj : xj - row[j];
            count++;
          }
          continue;
        }
      }
      if (kept) {
        kind[j] = 3;
        continue;
      }
      const h = forwardStep(xj);
      const v = xj + (xj + h <= upper[j] ? h : -h);
      if (!(v >= lower[j] && v <= upper[j])) continue;
      kind[j] = 2;
      const row = points.subarray(count * n, count * n + n);
      row.set(at);
      row[j] = v;
      steps[count] = row[j] - xj;
      count++;
    }
    return count;
  };
  const t0 = performance.now();
  // Time spent computing Jacobians (for the live line's share of the time).
  let jacobianMs = 0;
  // The residuals fit() evaluated at the start, when this run starts there: the same evaluation.
  const shared = context?.startResiduals;
  const reuseStart = shared !== undefined && shared.residuals.length === m && x.every((v, j) => v === shared.x[j]);
  // fit() left the start to this run (see lmOwnsStart): the evaluator is chosen first, and on
  // several workers the start's round also evaluates the first Jacobian's points.
  const unchecked = context?.startUnchecked === true && !reuseStart;
  const early = unchecked ? await choose(0) : undefined;
  /** On several workers, a round also evaluates what the iteration will ask next. */
  const speculate = (on: PopulationEvaluator | undefined): LmSpeculation | undefined =>
    on !== undefined && (on.concurrency ?? 1) > 1
      ? new LmSpeculation(on, n, m, context?.evaluations, (at, out) => problem.residuals(at, out))
      : undefined;
  const earlySpeculation = speculate(early);
  let fnorm: number;
  if (reuseStart) {
    fvec.set(shared.residuals);
    fnorm = norm2(fvec, 0, m);
    context!.evaluations.count++;
  } else if (earlySpeculation !== undefined) {
    await earlySpeculation.residuals(x, 1, fvec, (offer) => {
      const points = new Float64Array(2 * n * n);
      const count = jacobianPoints(x, points, new Int8Array(n), new Float64Array(2 * n), new Int32Array(n));
      for (let k = 0; k < count; k++) if (!offer(points.subarray(k * n, k * n + n))) return;
    });
    fnorm = normOf(x, fvec);
  } else fnorm = residualNorm(x, fvec);
  spent.start++;
  if (unchecked && !Number.isFinite(fnorm)) {
    // What fit() says of such a start when it checks it.
    const nllf = problem.nllf(x);
    if (!Number.isFinite(nllf)) throw startNotFinite(problem, nllf);
  }
  const evaluator = unchecked ? early : await choose(reuseStart ? (context?.modelCostMs ?? 0) : performance.now() - t0);
  const speculation = unchecked ? earlySpeculation : speculate(evaluator);
  if (!Number.isFinite(fnorm)) {
    problem.setValues(x);
    return { x, sumsq: Infinity, residuals: fvec, converged: false, message: MESSAGES[9], info: 9, iterations: 0, spent };
  }

  /** The analytic Jacobian into fjac; false when there is none or it is not finite (then noted). */
  const analyticJacobian = (): boolean => {
    unusable.fill(0);
    analyticUsed = false;
    const analytic = problem.jacobian?.(x, jrow);
    if (analytic === undefined) return false;
    spent.analytic++;
    let bad = -1;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const v = analytic[i * n + j];
        fjac[i + j * m] = v;
        if (bad < 0 && !Number.isFinite(v)) bad = i * n + j;
      }
    }
    if (bad < 0) {
      analyticUsed = true;
      return true;
    }
    // A model's derivative that is not finite where its values are: differentiate numerically.
    nonFinite.note("Jacobian", x, analytic[bad]);
    return false;
  };

  /** Column j of the Jacobian is not finite on either side: zeroed, its parameter held for the iteration. */
  const holdColumn = (j: number): void => {
    unusable[j] = 1;
    fjac.fill(0, j * m, (j + 1) * m);
  };
  /** Ends a finite-difference Jacobian: the problem back at x; returns the number of columns held. */
  const jacobianDone = (): number => {
    problem.setValues(x);
    let count = 0;
    for (let j = 0; j < n; j++) count += unusable[j];
    return count;
  };

  /**
   * The Jacobian at x into fjac (column-major). Returns the number of columns that stayed
   * non-finite (flagged in `unusable` and zeroed).
   */
  const jacobian = (): number => {
    if (analyticJacobian()) return 0;
    const pair = pairWanted();
    const xt = xtrial;
    xt.set(x);
    for (let j = 0; j < n; j++) {
      const xj = x[j];
      const col = j * m;
      let done = false;
      if (columnsInUse()?.[j]) {
        const h = CENTRAL_STEP * (xj !== 0 ? Math.abs(xj) : 1);
        if (xj + h <= upper[j] && xj - h >= lower[j]) {
          xt[j] = xj + h;
          const hp = xt[j] - xj;
          spent.central += 2;
          problem.residuals(xt, fwork);
          const upFinite = finiteAt(fwork, xt);
          xt[j] = xj - h;
          const hm = xj - xt[j];
          problem.residuals(xt, fwork2);
          const downFinite = finiteAt(fwork2, xt);
          xt[j] = xj;
          done = centralColumn(fjac.subarray(col, col + m), fvec, fwork, upFinite, hp, fwork2, downFinite, hm);
        }
      }
      if (!done && forwardKept) done = keptColumn(j);
      if (!done) {
        done = forward(j, forwardStep(xj));
      }
      if (!done) holdColumn(j);
    }
    forwardKept = false;
    if (pair) {
      problem.residuals(dirPlus, fwork);
      problem.residuals(dirMinus, fwork2);
      correctWithPair(fwork, fwork2);
    }
    return jacobianDone();
  };
  /** Column j of the forward Jacobian kept in jkeep at x (see `forwardKept`) into fjac, at no evaluation. */
  const keptColumn = (j: number): boolean => {
    fjac.set(jkeep.subarray(j * m, (j + 1) * m), j * m);
    return true;
  };
  /** A forward difference in x[j], towards the inside of the box, else the other way; false when neither side is finite. */
  const forward = (j: number, h: number, firstAttempt = 0): boolean => {
    // Step ∝ √ε; towards the inside of the box when the bound is near.
    const xj = x[j];
    const col = j * m;
    const first = xj + h <= upper[j] ? h : -h;
    for (let attempt = firstAttempt; attempt < 2; attempt++) {
      const s = attempt === 0 ? first : -first;
      const v = xj + s;
      if (!(v >= lower[j] && v <= upper[j])) continue;
      xtrial[j] = v;
      const hh = xtrial[j] - xj;
      spent.forward++;
      problem.residuals(xtrial, fwork);
      const finite = finiteAt(fwork, xtrial);
      xtrial[j] = xj;
      if (!finite) continue;
      for (let i = 0; i < m; i++) fjac[col + i] = (fwork[i] - fvec[i]) / hh;
      return true;
    }
    return false;
  };

  // Points and residuals of one batch of finite differences (allocated with an evaluator only).
  const batchPoints = new Float64Array(evaluator ? 2 * n * n + 2 * n : 0);
  const batchOut = new Float64Array(evaluator ? 2 * n * m + 2 * m : 0);
  const batchKind = new Int8Array(n);
  const batchStep = new Float64Array(2 * n);
  const batchAt = new Int32Array(n);

  // The same for a point the iteration may move to (the speculation's scratch).
  const aheadPoints = new Float64Array(speculation ? 2 * n * n : 0);
  const aheadKind = new Int8Array(n);
  const aheadStep = new Float64Array(2 * n);
  const aheadFirst = new Int32Array(n);
  /**
   * Offers the finite differences' points of a Jacobian at `at` (central in `columns`, see
   * {@link jacobianPoints}); false when `offer` refused one (the round is full).
   */
  const offerJacobianPoints = (
    at: Float64Array,
    offer: (point: Float64Array) => boolean,
    columns: Uint8Array | undefined = columnsInUse(),
  ): boolean => {
    const count = jacobianPoints(at, aheadPoints, aheadKind, aheadStep, aheadFirst, columns);
    for (let k = 0; k < count; k++) if (!offer(aheadPoints.subarray(k * n, k * n + n))) return false;
    return true;
  };
  /**
   * Whether the Jacobian after an accepted step of this iteration will be a secant update (the
   * conditions of the loop's `secant` one iteration on): then no measured Jacobian is asked for.
   */
  const secantNext = (): boolean =>
    broyden && iterations >= SECANT_AFTER && !endGame && !central && !analyticUsed && unusableColumns === 0 && walls === 0;
  /**
   * What the iteration asks for after evaluating `at` when it moves there: the Jacobian's points
   * at `at` (none when the last Jacobian was the problem's analytic one: the next will be too; none
   * when the next is a secant update), in the central phase with the pair that corrects it along
   * the direction of largest bias (see {@link biasDirection}; the factorization it is found from is
   * the one the Jacobian at `at` will find it from).
   */
  const jacobianAhead =
    (at: Float64Array): AheadOfNeed =>
    (offer) => {
      if (analyticUsed || secantNext()) return;
      if (!offerJacobianPoints(at, offer) || !central || !directional) return;
      if (biasDirection(at, aheadPlus, aheadMinus) && offer(aheadPlus)) offer(aheadMinus);
    };
  // The pair of points of such a correction at a point the iteration may move to.
  const aheadPlus = new Float64Array(speculation ? n : 0);
  const aheadMinus = new Float64Array(speculation ? n : 0);
  // The columns a switch to central differences would choose at a point the iteration may move to.
  const aheadColumns = new Uint8Array(speculation ? n : 0);
  const aheadTerms = new Float64Array(speculation ? n * n : 0);
  /**
   * What the iteration asks for when the forward phase ends on moving to `at` (the tests that switch
   * to central differences there, after a step that reduces ‖f‖² by little): the central Jacobian's
   * points at `at` beyond the forward Jacobian's there (offered already): the pair that corrects it
   * along the direction of largest bias, or where that direction does not serve, the columns
   * {@link chooseCentralColumns} picks from the bias bound there (with ‖f‖ the iteration's, which
   * such a step hardly changes). A wrong foresight costs only idle places.
   */
  const centralAhead =
    (at: Float64Array): AheadOfNeed =>
    (offer) => {
      if (!auto || central || analyticUsed) return;
      if (!(forwardBias(at, fnorm, aheadTerms) > BIAS_TOL)) return;
      chooseCentralColumns(aheadColumns, aheadTerms);
      if (directional && pairPays(aheadColumns) && biasDirection(at, aheadPlus, aheadMinus)) {
        if (offer(aheadPlus)) offer(aheadMinus);
        return;
      }
      offerJacobianPoints(at, offer, aheadColumns);
    };
  /** The residuals at `at` into `out` and their norm (see {@link residualNorm}), through the speculation's rounds. */
  const speculatedNorm = async (at: Float64Array, out: Float64Array, ahead: AheadOfNeed): Promise<number> => {
    await speculation!.residuals(at, 1, out, ahead);
    return normOf(at, out);
  };

  /**
   * {@link jacobian} with the finite differences' points handed to the evaluator in one batch
   * (on worker threads they run at once). The points and the arithmetic are those of the serial
   * path, so the Jacobian is bit-identical; the rare fallbacks (a side where the model is not
   * finite) are evaluated here afterwards, as the serial path would.
   */
  const jacobianBatched = async (batch: PopulationEvaluator): Promise<number> => {
    if (analyticJacobian()) return 0;
    // The fallbacks step from x in xtrial, as the serial path does (it may still hold a refused trial point).
    xtrial.set(x);
    const pair = pairWanted();
    const columnPoints = jacobianPoints(x, batchPoints, batchKind, batchStep, batchAt, columnsInUse(), forwardKept);
    let count = columnPoints;
    if (pair) {
      batchPoints.set(dirPlus, count * n);
      batchPoints.set(dirMinus, (count + 1) * n);
      count += 2;
    }
    if (speculation) await speculation.residuals(batchPoints, count, batchOut);
    else {
      await batch.evaluateResiduals!(batchPoints, count, batchOut);
      if (context) context.evaluations.count += count;
    }
    for (let j = 0; j < n; j++) {
      const xj = x[j];
      const col = j * m;
      const k = batchAt[j];
      let done: boolean;
      if (batchKind[j] === 1) {
        spent.central += 2;
        const up = batchOut.subarray(k * m, k * m + m);
        const down = batchOut.subarray((k + 1) * m, (k + 2) * m);
        const upFinite = finiteAt(up, batchPoints.subarray(k * n, k * n + n));
        const downFinite = finiteAt(down, batchPoints.subarray((k + 1) * n, (k + 2) * n));
        const hp = batchStep[k];
        const hm = batchStep[k + 1];
        done =
          centralColumn(fjac.subarray(col, col + m), fvec, up, upFinite, hp, down, downFinite, hm) || forward(j, forwardStep(xj));
      } else if (batchKind[j] === 3) {
        done = keptColumn(j);
      } else {
        const h = forwardStep(xj);
        if (batchKind[j] === 2) {
          spent.forward++;
          const out = batchOut.subarray(k * m, k * m + m);
          if (finiteAt(out, batchPoints.subarray(k * n, k * n + n))) {
            const hh = batchStep[k];
            for (let i = 0; i < m; i++) fjac[col + i] = (out[i] - fvec[i]) / hh;
            done = true;
          } else done = forward(j, h, 1);
        } else done = forward(j, h);
      }
      if (!done) holdColumn(j);
    }
    forwardKept = false;
    if (pair)
      correctWithPair(
        batchOut.subarray(columnPoints * m, (columnPoints + 1) * m),
        batchOut.subarray((columnPoints + 1) * m, (columnPoints + 2) * m),
      );
    return jacobianDone();
  };

  /**
   * Geodesic acceleration: with v = −step, the second directional derivative
   * r_vv ≈ (2/h)((r(x + h v) − r(x))/h − J v) and a solving the same damped system for −r_vv;
   * the step becomes v + ½a when ‖D a‖ ≤ 0.75·‖D v‖/2 (Transtrum & Sethna 2012, eq. 15–17).
   */
  const accelerate = (): boolean => {
    const h = 0.1;
    for (let j = 0; j < n; j++) {
      const v = held[j] ? 0 : -step[j];
      xtrial[j] = x[j] + h * v;
      if (xtrial[j] < lower[j] || xtrial[j] > upper[j]) return false;
    }
    spent.lineSearch++;
    problem.residuals(xtrial, rvv);
    for (let i = 0; i < m; i++) {
      let jv = 0;
      for (let j = 0; j < n; j++) if (!held[j]) jv -= jcopy[i + j * m] * step[j];
      rvv[i] = (2 / h) * ((rvv[i] - fvec[i]) / h - jv);
      if (!Number.isFinite(rvv[i])) return false;
    }
    applyQt(fjac, m, n, rvv);
    const sq = Math.sqrt(par);
    for (let j = 0; j < n; j++) accDiag[j] = sq * diag[j];
    rcopy.set(r);
    qrSolve(n, rcopy, ipvt, accDiag, rvv, acc, accSdiag, accWork);
    let anorm = 0;
    let vnorm = 0;
    for (let j = 0; j < n; j++) {
      anorm += (diag[j] * acc[j]) ** 2;
      vnorm += (diag[j] * step[j]) ** 2;
    }
    if (!(2 * Math.sqrt(anorm) <= 0.75 * Math.sqrt(vnorm))) return false;
    // x − step_new = x + v + ½a with a = −acc.
    for (let j = 0; j < n; j++) step[j] += 0.5 * acc[j];
    return true;
  };

  /**
   * Bound on how far the forward differences' error moves the stationary point, relative to
   * each parameter (largest over the parameters): δx = (JᵀJ)⁻¹ δJᵀ f with ‖δJ_k‖ ≈ √ε ‖J_k‖,
   * at the point `at` where ‖f‖ is `fn` (by default the iteration's), with the last Jacobian's
   * factorization; each column's share into `terms`.
   */
  const forwardBias = (at: Float64Array = x, fn: number = fnorm, terms: Float64Array = biasTerms): number => {
    const rinv = biasWork;
    rinv.fill(0);
    for (let j = 0; j < n; j++) {
      if (r[j + j * n] === 0) {
        // Singular: no bound, and every column's share unbounded (see chooseCentralColumns).
        terms.fill(Infinity);
        return Infinity;
      }
      rinv[j + j * n] = 1 / r[j + j * n];
      for (let i = j - 1; i >= 0; i--) {
        let sum = 0;
        for (let k = i + 1; k <= j; k++) sum += r[i + k * n] * rinv[k + j * n];
        rinv[i + j * n] = -sum / r[i + i * n];
      }
    }
    let worst = 0;
    terms.fill(0);
    for (let a = 0; a < n; a++) {
      const ja = ipvt[a];
      if (held[ja]) continue;
      let est = 0;
      const scale = (Math.sqrt(EPS) * fn) / Math.abs(at[ja]);
      for (let b = 0; b < n; b++) {
        // (RᵀR)⁻¹[a][b] = Σ_k Rinv[a][k] Rinv[b][k]
        let c = 0;
        for (let k = Math.max(a, b); k < n; k++) c += rinv[a + k * n] * rinv[b + k * n];
        const term = Math.abs(c) * acnorm[ipvt[b]];
        est += term;
        terms[a + b * n] = term * scale;
      }
      est *= Math.sqrt(EPS) * fn;
      const rel = at[ja] !== 0 ? est / Math.abs(at[ja]) : Infinity;
      if (rel > worst) worst = rel;
    }
    return worst;
  };
  /**
   * Which columns the central phase differences centrally (`centralColumns`), from the terms of the
   * last {@link forwardBias}: the columns whose forward error moves the optimum most, one at a time,
   * until the bound on what the forward columns left move it stays within BIAS_TOL for every
   * parameter. A central column costs two evaluations, a forward one one: where the bias comes from
   * a few columns (a parameter's error coupled to one or two others), the rest stay forward. Into
   * `columns` from `terms` when given (a foreseen choice).
   */
  const chooseCentralColumns = (columns: Uint8Array = centralColumns, terms: Float64Array = biasTerms): void => {
    columns.fill(0);
    for (;;) {
      let worst = 0;
      for (let a = 0; a < n; a++) {
        let sum = 0;
        for (let b = 0; b < n; b++) if (!columns[ipvt[b]]) sum += terms[a + b * n];
        // A parameter at zero has no relative bias to bound: every column central.
        if (!Number.isFinite(sum)) {
          columns.fill(1);
          return;
        }
        worst = Math.max(worst, sum);
      }
      if (worst <= BIAS_TOL) return;
      let pick = -1;
      let largest = -1;
      for (let b = 0; b < n; b++) {
        if (columns[ipvt[b]]) continue;
        let top = 0;
        for (let a = 0; a < n; a++) top = Math.max(top, terms[a + b * n]);
        if (top > largest) {
          largest = top;
          pick = b;
        }
      }
      if (pick < 0) return;
      columns[ipvt[pick]] = 1;
    }
  };
  /**
   * `out` ← S⁻¹ (JᵀJ)⁻¹ S⁻¹ `v` = S⁻¹ P R⁻¹ R⁻ᵀ Pᵀ S⁻¹ `v` with JP = QR the last factorization and
   * S = diag(dirScale) (`out` may be `v`).
   */
  const relativeInverse = (v: Float64Array, out: Float64Array): void => {
    for (let k = 0; k < n; k++) dirZ[k] = v[ipvt[k]] / dirScale[ipvt[k]];
    for (let k = 0; k < n; k++) {
      let sum = dirZ[k];
      for (let i = 0; i < k; i++) sum -= r[i + k * n] * dirZ[i];
      dirZ[k] = sum / r[k + k * n];
    }
    for (let k = n - 1; k >= 0; k--) {
      let sum = dirZ[k];
      for (let i = k + 1; i < n; i++) sum -= r[k + i * n] * dirZ[i];
      dirZ[k] = sum / r[k + k * n];
    }
    for (let k = 0; k < n; k++) out[ipvt[k]] = dirZ[k] / dirScale[ipvt[k]];
  };
  /**
   * The second largest eigenvalue of S⁻¹ (JᵀJ)⁻¹ S⁻¹ relative to the largest, whose eigenvector
   * `dirV` holds: the largest by the Rayleigh quotient, the second by power iteration on the
   * complement of `dirV` (the matrix is symmetric, so its eigenvectors are orthogonal).
   */
  const secondEigenvalueRatio = (): number => {
    relativeInverse(dirV, dirW);
    let vv = 0;
    let vAv = 0;
    for (let j = 0; j < n; j++) {
      vv += dirV[j] * dirV[j];
      vAv += dirV[j] * dirW[j];
    }
    const first = vAv / vv;
    // A start with no special relation to the problem's parameters: alternating signs, growing.
    for (let j = 0; j < n; j++) dirU[j] = (j % 2 === 0 ? -1 : 1) * (j + 1);
    let second = 0;
    for (let it = 0; it < DIRECTION_ITERATIONS; it++) {
      let along = 0;
      for (let j = 0; j < n; j++) along += dirU[j] * dirV[j];
      for (let j = 0; j < n; j++) dirU[j] -= (along / vv) * dirV[j];
      relativeInverse(dirU, dirW);
      let uu = 0;
      let uAu = 0;
      let largest = 0;
      for (let j = 0; j < n; j++) {
        uu += dirU[j] * dirU[j];
        uAu += dirU[j] * dirW[j];
        largest = Math.max(largest, Math.abs(dirW[j]));
      }
      second = uAu / uu;
      if (!(largest > 0 && Number.isFinite(largest))) break;
      for (let j = 0; j < n; j++) dirU[j] = dirW[j] / largest;
    }
    return Math.abs(second / first);
  };
  /**
   * The direction along which the forward differences' error moves the optimum most, relative to
   * the parameters: their bias δx = (JᵀJ)⁻¹ δJᵀf is amplified most along the dominant eigenvector v
   * of (J̃ᵀJ̃)⁻¹, J̃ = J·diag(|at|) (J from the last factorization, found by power iteration on R).
   * Writes the central difference's points `at` ± CENTRAL_STEP·diag(|at|)·v into `plus` and
   * `minus`. False when the factorization is singular, a parameter is held or at zero, a point lies
   * outside the box, or the next eigenvalue is not below DIRECTION_GAP of the largest.
   */
  const biasDirection = (at: Float64Array, plus: Float64Array, minus: Float64Array): boolean => {
    for (let j = 0; j < n; j++) {
      if (r[j + j * n] === 0 || held[j] || at[j] === 0) return false;
      dirScale[j] = Math.abs(at[j]);
      dirV[j] = 1;
    }
    for (let it = 0; it < DIRECTION_ITERATIONS; it++) {
      relativeInverse(dirV, dirV);
      let largest = 0;
      for (let j = 0; j < n; j++) largest = Math.max(largest, Math.abs(dirV[j]));
      if (!(largest > 0 && Number.isFinite(largest))) return false;
      for (let j = 0; j < n; j++) dirV[j] /= largest;
    }
    if (n > 1 && !(secondEigenvalueRatio() <= DIRECTION_GAP)) return false;
    for (let j = 0; j < n; j++) {
      const d = CENTRAL_STEP * dirScale[j] * dirV[j];
      plus[j] = at[j] + d;
      minus[j] = at[j] - d;
      if (!(minus[j] >= lower[j] && plus[j] <= upper[j] && plus[j] >= lower[j] && minus[j] <= upper[j])) return false;
    }
    return true;
  };
  /**
   * Whether the pair (two evaluations) costs less than the central columns flagged in `columns` (one
   * evaluation each beyond the forward difference's): where at most two are, differencing them
   * centrally is no dearer and removes their error whole.
   */
  const pairPays = (columns: Uint8Array): boolean => {
    let count = 0;
    for (let j = 0; j < n; j++) count += columns[j];
    return count > 2;
  };
  /**
   * Whether this Jacobian (at x) is corrected along the direction of largest forward bias, with
   * the points in `dirPlus` and `dirMinus`; where the direction cannot be had, the central phase
   * goes on with central columns.
   */
  const pairWanted = (): boolean => {
    if (!central || !directional) return false;
    if (directionalJacobians < DIRECTION_MAX_JACOBIANS && pairPays(centralColumns) && biasDirection(x, dirPlus, dirMinus)) {
      directionalJacobians++;
      return true;
    }
    directional = false;
    return false;
  };
  /**
   * Counts the pair at `dirPlus` and `dirMinus` (residuals `up` and `down`) and corrects the
   * Jacobian with it when both are finite (a non-finite one is noted, and the Jacobian stays forward).
   */
  const correctWithPair = (up: Float64Array, down: Float64Array): void => {
    spent.central += 2;
    const upFinite = finiteAt(up, dirPlus);
    const downFinite = finiteAt(down, dirMinus);
    if (upFinite && downFinite) correctAlong(up, down);
  };
  /**
   * Corrects the forward-difference Jacobian in fjac along d = dirPlus − dirMinus, given the
   * residuals there: the central difference f(dirPlus) − f(dirMinus) is J·d within O(t³), and
   * J ← J + (J·d − J_f·d) wᵀ with w = S⁻²d / (dᵀS⁻²d) (S = diag(|x|)) makes J·d exact with the least
   * change of J in the relative scaling, so the gradient's error along d, which moves the optimum
   * most, is gone. Not when a column was held for being non-finite.
   */
  const correctAlong = (up: Float64Array, down: Float64Array): void => {
    for (let j = 0; j < n; j++) if (unusable[j]) return;
    let dd = 0;
    for (let j = 0; j < n; j++) {
      dirZ[j] = dirPlus[j] - dirMinus[j];
      dd += (dirZ[j] / x[j]) ** 2;
    }
    for (let i = 0; i < m; i++) {
      let jd = 0;
      for (let j = 0; j < n; j++) jd += fjac[i + j * m] * dirZ[j];
      const g = (up[i] - down[i] - jd) / dd;
      for (let j = 0; j < n; j++) fjac[i + j * m] += (g * dirZ[j]) / (x[j] * x[j]);
    }
  };
  /**
   * The trial point x − `from` projected onto the box (held parameters stay) into `to`, the step
   * actually taken into `actual` and its scaled form D·step into `scaled`; true when a bound cut it.
   */
  const project = (from: Float64Array, to: Float64Array, actual: Float64Array, scaled: Float64Array): boolean => {
    let cut = false;
    for (let j = 0; j < n; j++) {
      let v = x[j] - from[j];
      if (held[j]) v = x[j];
      if (v < lower[j]) {
        v = lower[j];
        cut = true;
      } else if (v > upper[j]) {
        v = upper[j];
        cut = true;
      }
      to[j] = v;
      actual[j] = v - x[j];
      scaled[j] = diag[j] * actual[j];
    }
    return cut;
  };
  /** The trust region's radius after a refused step of scaled length `stepNorm`, shrunk by `temp`. */
  const shrunkRadius = (temp: number, radius: number, stepNorm: number): number => temp * Math.min(radius, stepNorm / 0.1);
  // The next trial point after a refusal, as the speculation foresees it (its own workspaces).
  const nextStep = new Float64Array(speculation ? n : 0);
  const nextX = new Float64Array(speculation ? n : 0);
  const nextActual = new Float64Array(speculation ? n : 0);
  const nextScaled = new Float64Array(speculation ? n : 0);
  const nextWork = new LmStepWork(speculation ? n : 0);
  /**
   * What the iteration asks for after evaluating the trial point `at` (scaled step length
   * `stepNorm`): the Jacobian's points there (the step accepted); then the line search's longest
   * extension (see {@link longestExtension}); then, should the step be
   * refused for a sum of squares ten times larger or not finite (the refusals NIST's runs see),
   * the next trial point, from the radius and λ the refusal sets, and the Jacobian's points there;
   * then, when the step is predicted to reduce ‖f‖² by at most the fraction STEP_SETTLED
   * (`predicted`; the tests that end the forward phase ask for less), the central Jacobian's points
   * at `at`, should the forward phase end there (see {@link centralAhead}). Those come after the
   * refusal's (offered first, they displaced points a refusal needed on three NIST runs and gained
   * nothing on the others), except at the forward phase's end (ENDING_REDUCTION), where they come
   * first, before the forward Jacobian's when a round cannot hold both (on the NIST runs: one round
   * fewer on 10, more on none). A refused step on a secant Jacobian is followed by a Jacobian
   * measured where the iteration stands: its points instead. Geodesic acceleration evaluates a
   * probe before each trial point, so its next one is not foreseen.
   */
  const trialAhead =
    (at: Float64Array, stepNorm: number, predicted: number): AheadOfNeed =>
    (offer) => {
      let open = true;
      const keep = (point: Float64Array): boolean => (open = offer(point));
      const ending = predicted < SWITCH_REDUCTION && lastReduction <= ENDING_REDUCTION;
      if (ending) centralAhead(at)(keep);
      if (open) jacobianAhead(at)(keep);
      // Not on secant iterations, which run where workers are few.
      if (open && !secant) longestExtension(keep);
      if (!open || accel) return;
      if (secant) {
        offerJacobianPoints(x, offer);
        return;
      }
      refusalAhead(stepNorm)(keep);
      if (open && !ending && predicted <= STEP_SETTLED) centralAhead(at)(offer);
    };
  const longestAt = new Float64Array(speculation ? n : 0);
  /**
   * The point the line search evaluates after the step to the trial point (in `wa`) is accepted,
   * when the minimiser it interpolates lies beyond EXTEND_MAX steps (then capped there): the one
   * extension known before the trial's value is. Where it fails, as on most such steps, its own
   * round is spared (on the NIST runs on 8 workers: one or two fewer on five, more on none).
   */
  const longestExtension: AheadOfNeed = (offer) => {
    if (!extend) return;
    for (let j = 0; j < n; j++) {
      const v = x[j] + EXTEND_MAX * wa[j];
      if (!(v >= lower[j] && v <= upper[j])) return;
      longestAt[j] = v;
    }
    offer(longestAt);
  };
  /** The next trial point after a refusal of a step of scaled length `stepNorm` (see {@link trialAhead}), and the Jacobian's points there. */
  const refusalAhead =
    (stepNorm: number): AheadOfNeed =>
    (offer) => {
      const radius = shrunkRadius(0.1, delta, stepNorm);
      if (!(radius > 0)) return;
      const next = lmParameter(n, r, ipvt, diag, qtf, radius, par / 0.1, nextStep, nextWork);
      if (!Number.isFinite(next) || firstNonFinite(nextStep) >= 0) return;
      project(nextStep, nextX, nextActual, nextScaled);
      if (offer(nextX)) jacobianAhead(nextX)(offer);
    };
  /**
   * The largest change `change(j)` of a parameter (not held) relative to its value in `base`
   * (a step's start or its end): the step tests' measure of a step.
   */
  const largestRelative = (change: (j: number) => number, base: Float64Array): number => {
    let largest = 0;
    for (let j = 0; j < n; j++) {
      if (held[j]) continue;
      const d = Math.abs(change(j));
      const rel = base[j] !== 0 ? d / Math.abs(base[j]) : d === 0 ? 0 : Infinity;
      if (rel > largest) largest = rel;
    }
    return largest;
  };
  /** The Gauss–Newton step in `wa`, measured from x. */
  const stepInWa = (j: number): number => wa[j];
  /**
   * The rate of convergence `rho` a step shows, as the stopping tests trust it: not below the
   * square of the last accepted step's rate where that was below 1, the rate quadratic convergence
   * would give. A step that shrinks faster is a lucky one where the steps converge linearly and
   * unevenly (Thurber from a start near the NIST one: rates 0.67 then 0.03, and an answer of 6.0
   * digits where the next steps were still 0.6 times the last), or the end of a quadratic phase
   * whose next step the forward differences' error lengthens (Chwirut1: 0.02 then 0.13).
   */
  const trustedRate = (rho: number): number => Math.max(rho, lastRate < 1 ? lastRate * lastRate : 0);
  /** The rate of convergence a step of size `next` shows: against the last accepted step's, else the one inherited. */
  const stepRate = (next: number): number => (prevWorst > 0 ? next / prevWorst : switchRate);
  /**
   * Whether the Gauss–Newton step in `wa` (from a measured Jacobian, not yet evaluated) ends the
   * run as a polish (see {@link polish}): taken, it leaves the point as near the optimum as the step
   * test asks after an accepted step (the steps shrinking by ρ per iteration, those after it sum to
   * about ρ/(1 − ρ) of it), it is short enough for the Jacobian just measured to serve the error
   * bars at its end (COVARIANCE_REUSE), and its predicted reduction of ‖f‖² is at most
   * POLISH_SETTLED. Ending here spares the trial point's evaluation, and the Jacobian the step test
   * would measure after it to see the next step small.
   */
  const polishEnds = (): boolean => {
    const next = largestRelative(stepInWa, x);
    const rho = trustedRate(stepRate(next));
    if (!(rho < 0.9) || !jacobianStillValid(x, xtrial, COVARIANCE_REUSE) || (next * rho) / (1 - rho) > STEP_TOL) return false;
    // ‖J·step‖ through the factorization (R Pᵀ step), relative to ‖f‖.
    let jsq = 0;
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = i; j < n; j++) sum += r[i + j * n] * wa[ipvt[j]];
      jsq += sum * sum;
    }
    return jsq <= POLISH_SETTLED * fnorm * fnorm;
  };
  /**
   * Ends the run at the trial point `xtrial` (the step `wa` from x, inside the box) without
   * evaluating it: a last Gauss–Newton step on the Jacobian just measured at x (kept in jkeep),
   * which also serves the error bars there. Its residuals are the Jacobian's prediction f + J·wa,
   * exact but for the model's curvature over the step: a relative error of order ‖wa‖ times the
   * step's share of f, which steps this short (COVARIANCE_REUSE) keep far below the digits a sum
   * of squares is read to, but not below a finite difference's step: the run ends here, and the
   * error bars take the Jacobian at x, valid at the step's end by the same test they apply
   * (`jacobianStillValid`).
   */
  const polish = (): void => {
    for (let i = 0; i < m; i++) {
      let v = fvec[i];
      for (let j = 0; j < n; j++) v += jkeep[i + j * m] * wa[j];
      fvec[i] = v;
    }
    x.set(xtrial);
    fnorm = norm2(fvec, 0, m);
  };
  /** R Pᵀ `s` into `out` (Qᵀ J s, the step's image under the Jacobian in the factorization's frame); returns its norm. */
  const jacobianTimes = (s: Float64Array, out: Float64Array): number => {
    out.fill(0);
    for (let j = 0; j < n; j++) {
      const l = ipvt[j];
      const t = s[l];
      for (let i = 0; i <= j; i++) out[i] += r[i + j * n] * t;
    }
    return norm2(out, 0, n);
  };
  const jsAhead = new Float64Array(speculation ? n : 0);
  // The last accepted step (scaled) and whether it was a plain Gauss–Newton step.
  const lastStep = new Float64Array(n);
  let lastPlain = false;
  let extrapolatedRate = 0;
  /**
   * The scaled step `sign`·diag·`s` against the last accepted one (`lastStep`): its length along
   * it in units of it (ρ) and the cosine between the two; undefined when either is zero.
   */
  const againstLast = (s: Float64Array, sign: number): { rho: number; cos: number } | undefined => {
    let vs = 0;
    let ss = 0;
    let vv = 0;
    for (let j = 0; j < n; j++) {
      const v = sign * diag[j] * s[j];
      vs += v * lastStep[j];
      ss += lastStep[j] * lastStep[j];
      vv += v * v;
    }
    if (!(ss > 0 && vv > 0)) return undefined;
    return { rho: vs / ss, cos: vs / Math.sqrt(ss * vv) };
  };
  /**
   * Where Gauss–Newton steps converge linearly (large residuals: e_{k+1} ≈ ρ e_k in one dominant
   * mode), each step is ρ times the one before along the same direction, and it and the steps left
   * sum to 1/(1 − ρ) of it (Aitken's extrapolation, taken on the step not yet evaluated: no
   * evaluation of its own). The step in `step` is scaled by that factor when it is parallel to the
   * last accepted one within EXTRAPOLATE_COS and ρ lies in the range where it pays (see the
   * constants). True when it was.
   */
  const extrapolate = (): boolean => {
    const against = againstLast(step, -1);
    if (against === undefined) return false;
    const { rho, cos } = against;
    if (Math.abs(cos) < EXTRAPOLATE_COS || Math.abs(rho) < EXTRAPOLATE_RATE_MIN || rho > EXTRAPOLATE_RATE_MAX || rho < -0.9)
      return false;
    extrapolatedRate = rho;
    const alpha = 1 / (1 - rho);
    for (let j = 0; j < n; j++) step[j] *= alpha;
    return true;
  };
  /** Whether the step just taken (`wa`) points back against the last accepted one within SHORTEN_COS. */
  const turnsBack = (): boolean => {
    const against = againstLast(wa, 1);
    return against !== undefined && against.cos < -SHORTEN_COS;
  };
  let par = 0;
  // The relative reduction of ‖f‖² by the last accepted step.
  let lastReduction = Infinity;
  let prevWorst = 0;
  // The convergence rate of the last accepted step, and the one the next step inherits when its
  // own cannot be measured.
  let lastRate = 1;
  let switchRate = 1;
  let iter = 1;
  let delta = 0;
  let xnorm = 0;
  let info: number;
  let iterations = 0;
  // Whether the last rejected trial point was rejected for non-finite residuals.
  let lastTrialNonFinite = false;
  // Whether the last trial point was rejected, where it was and its ‖f‖ (its residuals stay in ftrial).
  let rejected = false;
  const rejectedAt = new Float64Array(n);
  let rejectedNorm = Infinity;
  let unusableColumns = 0;
  const drift = new LmDrift(n);
  // Secant (Broyden) updates of the Jacobian in place of finite differences (see SECANT_AFTER):
  // on a serial evaluator each saves n evaluations; on one that evaluates a whole Jacobian's
  // points in one round ("auto") they would save no round and cost more iterations. Geodesic
  // acceleration differences the residuals against J·v, which a secant Jacobian gets wrong off the
  // secant directions ("auto" measures every Jacobian with it).
  const jacobianMode = readOption("lm", options, "jacobian");
  const broyden = jacobianMode === "broyden" || (jacobianMode === "auto" && !accel && (evaluator?.concurrency ?? 1) < n + 1);
  // The Jacobian as measured or updated, before the active set and the factorization touch it,
  // and the point and residuals it belongs to.
  const jcur = new Float64Array(broyden ? m * n : 0);
  const secantFrom = new Float64Array(broyden ? n : 0);
  const secantResiduals = new Float64Array(broyden ? m : 0);
  const secantWork = new Float64Array(broyden ? m : 0);
  // Whether this iteration's Jacobian is a secant update; whether the next must be measured (a
  // secant step failed); whether every Jacobian from here on is (a stopping test fired).
  let secant: boolean;
  let needFull = true;
  let endGame = false;
  /**
   * Broyden's rank-1 update of jcur along the accepted step s = x − secantFrom with the residuals'
   * change y: J ← J + (y − J s) sᵀ / sᵀs, the least change of J (Frobenius norm) for which J s = y
   * (C. G. Broyden, Math. Comp. 19 (1965) 577–593).
   */
  const broydenUpdate = (): void => {
    let ss = 0;
    for (let j = 0; j < n; j++) {
      const d = x[j] - secantFrom[j];
      wa[j] = d;
      ss += d * d;
    }
    if (!(ss > 0)) return;
    // Column by column, for contiguous access; each row's sums run in the same order as J s.
    const u = secantWork;
    u.fill(0);
    for (let j = 0; j < n; j++) {
      const d = wa[j];
      for (let i = 0, c = j * m; i < m; i++, c++) u[i] += jcur[c] * d;
    }
    for (let i = 0; i < m; i++) u[i] = (fvec[i] - secantResiduals[i] - u[i]) / ss;
    for (let j = 0; j < n; j++) {
      const d = wa[j];
      for (let i = 0, c = j * m; i < m; i++, c++) jcur[c] += u[i] * d;
    }
  };
  // The parameter that drifted when the run gave up (info 13).
  let drifted = -1;

  /**
   * The Jacobian in fjac (at x) factorized for the step: the active set (a variable held at a
   * bound when the gradient Jᵀf points out of the box, or for the reasons in `unusable` and
   * `wall`), the column-pivoted QR of the rest (Householder vectors left in fjac), Qᵀf into qtf
   * and R into r.
   */
  const factorJacobian = (): void => {
    for (let j = 0; j < n; j++) {
      held[j] = unusable[j] | wall[j];
      if (held[j]) {
        for (let i = 0; i < m; i++) fjac[j * m + i] = 0;
      } else if (x[j] <= lower[j] || x[j] >= upper[j]) {
        let g = 0;
        for (let i = 0; i < m; i++) g += fjac[j * m + i] * fvec[i];
        if ((x[j] <= lower[j] && g > 0) || (x[j] >= upper[j] && g < 0)) {
          held[j] = 1;
          for (let i = 0; i < m; i++) fjac[j * m + i] = 0;
        }
      }
    }
    if (accel) jcopy.set(fjac);
    qrFactor(fjac, m, n, true, ipvt, rdiag, acnorm, wa);
    fwork.set(fvec);
    applyQt(fjac, m, n, fwork);
    for (let j = 0; j < n; j++) {
      qtf[j] = fwork[j];
      for (let i = 0; i < j; i++) r[i + j * n] = fjac[i + j * m];
      r[j + j * n] = rdiag[j];
    }
  };
  /**
   * At the end, after the Jacobian measured at x for the error bars (in fjac and jkeep): its
   * Gauss–Newton step taken as a polish (see {@link polish}) when it stays inside the box and
   * within COVARIANCE_REUSE of x, where that Jacobian still serves the error bars. The run
   * stopped because the steps became negligible, so this one is too, and it costs nothing.
   */
  const closingPolish = (): void => {
    factorJacobian();
    lmParameter(n, r, ipvt, diag, qtf, Infinity, 0, step, work);
    if (firstNonFinite(step) >= 0) return;
    if (project(step, xtrial, wa, wa3) || !jacobianStillValid(x, xtrial, COVARIANCE_REUSE)) return;
    polish();
  };
  outer: for (;;) {
    iterations++;
    secant =
      broyden &&
      iterations > SECANT_AFTER &&
      !needFull &&
      !endGame &&
      !central &&
      !analyticUsed &&
      unusableColumns === 0 &&
      walls === 0;
    if (secant) {
      broydenUpdate();
      fjac.set(jcur);
    } else {
      needFull = false;
      const jacobianStart = performance.now();
      unusableColumns = evaluator ? await jacobianBatched(evaluator) : jacobian();
      jacobianMs += performance.now() - jacobianStart;
      spent.jacobians++;
      if (unusableColumns === n) {
        info = 11;
        break;
      }
      keepAccurate = unusableColumns === 0;
      if (keepAccurate) {
        jkeep.set(fjac);
        jkeepAt.set(x);
      }
      if (broyden) jcur.set(fjac);
    }
    if (broyden) {
      secantFrom.set(x);
      secantResiduals.set(fvec);
    }
    factorJacobian();
    if (iter === 1) {
      for (let j = 0; j < n; j++) diag[j] = acnorm[j] !== 0 ? acnorm[j] : 1;
      for (let j = 0; j < n; j++) wa3[j] = diag[j] * x[j];
      xnorm = norm2(wa3, 0, n);
      delta = factor * xnorm;
      if (delta === 0) delta = factor;
    }
    // Scaled gradient norm (cosine between f and J's columns).
    let gnorm = 0;
    if (fnorm !== 0) {
      for (let j = 0; j < n; j++) {
        const l = ipvt[j];
        if (acnorm[l] !== 0) {
          let sum = 0;
          for (let i = 0; i <= j; i++) sum += r[i + j * n] * (qtf[i] / fnorm);
          gnorm = Math.max(gnorm, Math.abs(sum / acnorm[l]));
        }
      }
    }
    if (gnorm <= gtol) {
      if (secant) {
        needFull = true;
        continue;
      }
      info = 4;
      break;
    }
    // The scaling grows with the column norms of measured Jacobians only: a secant update's error
    // would inflate it for good and shrink every later step.
    if (!secant) for (let j = 0; j < n; j++) diag[j] = Math.max(diag[j], acnorm[j]);

    for (;;) {
      par = lmParameter(n, r, ipvt, diag, qtf, delta, par, step, work);
      const stepPar = par;
      if (!(delta > 0) || !Number.isFinite(par) || firstNonFinite(step) >= 0) {
        // Only non-finite input can bring the step here; stop rather than iterate on NaN.
        info = lastTrialNonFinite || nonFinite.count > 0 ? 10 : 7;
        break outer;
      }
      let accelerated = false;
      if (accel) accelerated = accelerate();
      const extrapolated: boolean = !accelerated && !secant && stepPar === 0 && lastPlain && extrapolate();
      // step solves min ‖J p + f‖; the trial point is x − p projected onto the box.
      const boxed = project(step, xtrial, wa, wa3);
      const clipped: boolean = accelerated || boxed || extrapolated;
      const pnorm = norm2(wa3, 0, n);
      if (iter === 1) delta = Math.min(delta, pnorm);
      // The step lands within the step test's tolerance of the optimum: taken unevaluated, it
      // ends the run, and the Jacobian measured here serves the error bars.
      if (!secant && stepPar === 0 && !clipped && !rejected && keepAccurate && polishEnds()) {
        if (!(auto && !central && !analyticUsed && forwardBias() > BIAS_TOL)) {
          polish();
          info = 12;
          break outer;
        }
        // Near enough to end, but the forward differences' error could move the answer beyond
        // BIAS_TOL: central differences from here, at this point, where the forward Jacobian
        // serves the columns that stay forward (see chooseCentralColumns) or is corrected along
        // the direction of largest bias (see biasDirection). Its step is judged at the rate the
        // forward steps showed: the central Jacobian moves the point the forward steps converge
        // to, not how fast they converge.
        switchRate = stepRate(largestRelative(stepInWa, x));
        prevWorst = 0;
        central = true;
        chooseCentralColumns();
        forwardKept = true;
        continue outer;
      }
      // After a rejection the shrunk trust region may still hold the same (Gauss–Newton) step:
      // its trial point was just evaluated, and ftrial still holds its residuals.
      const repeated: boolean = rejected && xtrial.every((v, j) => v === rejectedAt[j]);
      const fnorm1: number = repeated
        ? rejectedNorm
        : speculation
          ? await speculatedNorm(xtrial, ftrial, trialAhead(xtrial, pnorm, (jacobianTimes(wa, jsAhead) / fnorm) ** 2))
          : residualNorm(xtrial, ftrial);
      if (!repeated) spent.trials++;
      lastTrialNonFinite = fnorm1 === Infinity;
      const actred = 0.1 * fnorm1 < fnorm ? 1 - (fnorm1 / fnorm) ** 2 : -1;
      // J·step through the factorization.
      const t1 = jacobianTimes(wa, wa3) / fnorm;
      let prered: number;
      let dirder: number;
      if (!clipped) {
        const t2 = (Math.sqrt(par) * pnorm) / fnorm;
        prered = t1 * t1 + (t2 * t2) / 0.5;
        dirder = -(t1 * t1 + t2 * t2);
      } else {
        // Predicted reduction of the projected step: −2 fᵀJs − ‖Js‖², with fᵀJs = (Qᵀf)·(R Pᵀ s).
        let ftjs = 0;
        for (let i = 0; i < n; i++) ftjs += qtf[i] * wa3[i];
        dirder = ftjs / (fnorm * fnorm);
        prered = -2 * dirder - t1 * t1;
      }
      const ratio = prered !== 0 ? actred / prered : 0;
      rejected = ratio < 1e-4;
      if (rejected) {
        rejectedAt.set(xtrial);
        rejectedNorm = fnorm1;
      }
      if (ratio <= 0.25) {
        let temp = actred >= 0 ? 0.5 : (0.5 * dirder) / (dirder + 0.5 * actred);
        if (0.1 * fnorm1 >= fnorm || temp < 0.1 || !Number.isFinite(temp)) temp = 0.1;
        delta = shrunkRadius(temp, delta, pnorm);
        par /= temp;
      } else if (par === 0 || ratio >= 0.75) {
        delta = pnorm / 0.5;
        par *= 0.5;
      }
      let stepStop = false;
      if (ratio >= 1e-4) {
        lastReduction = actred;
        let fnormNew = fnorm1;
        if (extend && actred > EXTEND_SIGNIFICANT) {
          // Line search along the accepted step s by quadratic interpolation (Nocedal & Wright,
          // Numerical Optimization, 2nd ed. 2006, §3.5): φ(α) = ‖f(x + αs)‖² through φ(0),
          // φ'(0) = 2 fᵀJs and φ(1). Where the Gauss–Newton model is exact the minimiser is
          // α = 1. Beyond it, the iteration creeps along a valley. Short of it after a full
          // Gauss–Newton step, the iteration oscillates: near a large-residual optimum it
          // converges only linearly, e_{k+1} ≈ −(JᵀJ)⁻¹S e_k with S the residuals' curvature
          // term, and α* = 1/(1 − ρ) removes the dominant error mode (ENSO: ρ ≈ −0.64, α* ≈ 0.61,
          // 14 central-difference iterations become a few). One evaluation, kept only when lower.
          let ftjs = 0;
          for (let i = 0; i < n; i++) ftjs += qtf[i] * wa3[i];
          const phi0 = fnorm * fnorm;
          const g = 2 * ftjs;
          const c = fnorm1 * fnorm1 - phi0 - g;
          const alpha = c > 0 && g < 0 ? -g / (2 * c) : 0;
          if (
            (alpha > EXTEND_MIN && ratio <= EXTEND_RATIO_MAX) ||
            (par === 0 && alpha > SHORTEN_MIN && alpha < SHORTEN_MAX && turnsBack())
          ) {
            const a = Math.min(alpha, EXTEND_MAX);
            let inside = true;
            for (let j = 0; j < n; j++) {
              const v = x[j] + a * wa[j];
              if (!(v >= lower[j] && v <= upper[j])) inside = false;
              xext[j] = v;
            }
            if (inside) {
              const fnormExt = speculation ? await speculatedNorm(xext, fext, jacobianAhead(xext)) : residualNorm(xext, fext);
              spent.lineSearch++;
              if (fnormExt < fnorm1) {
                xtrial.set(xext);
                ftrial.set(fext);
                fnormNew = fnormExt;
              }
            }
          }
        }
        // The largest relative change of a parameter in this accepted step.
        const worst = largestRelative((j) => xtrial[j] - x[j], xtrial);
        // Steps shrinking by ρ per iteration leave about ρ/(1 − ρ) of the last one to go.
        const rho = stepRate(worst);
        const trusted = trustedRate(rho);
        lastRate = rho;
        switchRate = 1;
        const remaining = trusted < 0.9 ? (worst * trusted) / (1 - trusted) : Infinity;
        stepStop = stepPar === 0 && remaining <= (central ? CENTRAL_STEP_TOL : STEP_TOL) && actred <= STEP_SETTLED;
        prevWorst = worst;
        for (let j = 0; j < n; j++) lastStep[j] = diag[j] * (xtrial[j] - x[j]);
        lastPlain = stepPar === 0 && !clipped && fnormNew === fnorm1;
        if (extrapolated) {
          // The extrapolated step removed the dominant error mode, so the next step's size says
          // little of the rate: the stopping tests take the rate the steps showed before it.
          prevWorst = 0;
          switchRate = Math.abs(extrapolatedRate);
        }
        x.set(xtrial);
        fvec.set(ftrial);
        for (let j = 0; j < n; j++) wa3[j] = diag[j] * x[j];
        xnorm = norm2(wa3, 0, n);
        fnorm = fnormNew;
        iter++;
      }
      // A stopping test passed on a secant Jacobian says only that the secant model is
      // stationary: measure the Jacobian, and keep measuring it to the end.
      if (secant && stepStop) {
        endGame = true;
        break;
      }
      // Convergence tests (MINPACK's, in its order).
      let code = 0;
      if (stepStop) {
        // On forward differences, stop only where their error cannot move the answer.
        if (auto && !central && forwardBias() > BIAS_TOL) {
          central = true;
          chooseCentralColumns();
          prevWorst = 0;
          // The first central step removes the forward differences' bias, so its size says
          // nothing of the convergence; the rate the forward steps showed is the iteration's
          // (it depends on the problem at the optimum, not on how J was differenced), and what
          // the central step leaves to go follows from it.
          switchRate = lastRate;
          break;
        }
        info = 12;
        break outer;
      }
      if (Math.abs(actred) <= ftol && prered <= ftol && 0.5 * ratio <= 1) code = 1;
      // A full Gauss–Newton step that fails where it predicts, and the trial finds, no more than
      // FLOOR_FTOL relative reduction, and that changes no parameter beyond the digits a fit
      // reports: the sum of squares is at its rounding floor, and shorter steps would only probe
      // the rounding. (MINPACK's ftol test stops on any such step, also on steps creeping along
      // a flat valley far from the optimum.)
      if (code === 0 && stepPar === 0 && ratio < 1e-4 && Math.abs(actred) <= FLOOR_FTOL && prered <= FLOOR_FTOL) {
        let largest = 0;
        for (let j = 0; j < n; j++) if (wa[j] !== 0) largest = Math.max(largest, Math.abs(wa[j] / x[j]));
        if (largest <= FLOOR_STEP) code = 14;
      }
      if (delta <= xtol * xnorm) code = code === 1 ? 3 : 2;
      if (code === 0) {
        if (iterations >= maxIter) code = 5;
        else if (Math.abs(actred) <= EPS && prered <= EPS && 0.5 * ratio <= 1) code = 6;
        else if (delta <= EPS * xnorm) code = 7;
        else if (gnorm <= EPS) code = 8;
        // The whole step was cut by the bounds with nothing to gain inside: a bound optimum.
        else if (pnorm === 0 && clipped) code = 4;
      }
      if (secant && code !== 0 && code !== 5) {
        endGame = true;
        break;
      }
      // A trust region that collapsed on steps into a non-finite region is no convergence.
      if ((code === 2 || code === 3 || code === 7) && lastTrialNonFinite) {
        code = 10;
        // Which parameters' own part of the last (tiny) step crosses into the region: hold
        // them there, like variables at a bound, and go on with the others.
        let found = 0;
        for (let j = 0; j < n; j++) {
          if (wall[j] || wa[j] === 0) continue;
          xext.set(x);
          xext[j] = x[j] + wa[j];
          spent.walls++;
          if (residualNorm(xext, fext) === Infinity) {
            wall[j] = 1;
            found++;
          }
        }
        if (found > 0 && walls + found < n) {
          walls += found;
          par = 0;
          delta = factor * xnorm || factor;
          break;
        }
      }
      // A refused Gauss–Newton step that predicted no more reduction than the forward differences'
      // error can explain: central differences from here, at the same point (see BIAS_REFUSAL).
      if (
        code === 0 &&
        auto &&
        !central &&
        !secant &&
        ratio < 1e-4 &&
        stepPar === 0 &&
        prered <= BIAS_REFUSAL &&
        forwardBias() > BIAS_TOL
      ) {
        central = true;
        chooseCentralColumns();
        break;
      }
      if (code !== 0 && code !== 5 && code !== 10 && auto && !central && forwardBias() > BIAS_TOL) {
        // Converged on forward differences whose O(√ε) Jacobian error could move the stationary
        // point beyond BIAS_TOL: continue on central differences with a fresh trust region.
        central = true;
        chooseCentralColumns();
        // A trust region shrunk to the xtol scale would stop the central phase at once.
        if (code === 2 || code === 3 || code === 7) {
          par = 0;
          delta = Math.max(delta, factor * xnorm) || factor;
        }
        break;
      }
      if (code !== 0) {
        info = code;
        break outer;
      }
      if (auto && !central && ratio >= 1e-4 && actred < SWITCH_REDUCTION && forwardBias() > BIAS_TOL) {
        // Nearly converged where the forward differences' error matters: central differences
        // from here. A radius shrunk below the scale
        // the forward differences resolve (O(√ε) relative) was shrunk by their error, not by
        // nonlinearity, and would leave the central phase no room (Lanczos3 from start 1).
        central = true;
        chooseCentralColumns();
        if (delta < 1e-6 * xnorm) {
          par = 0;
          delta = factor * xnorm || factor;
        }
      }
      // A refused step on a secant Jacobian may be the update's error, not the trust region's
      // size: measure the Jacobian before shrinking further.
      if (secant && ratio < 1e-4) {
        needFull = true;
        break;
      }
      if (ratio >= 1e-4) {
        drifted = drift.accepted(x, fnorm * fnorm, held);
        if (drifted >= 0) {
          info = 13;
          break outer;
        }
        break;
      }
    }
    if (context) {
      const jacobianEvaluations = spent.forward + spent.central + spent.analytic;
      const all = jacobianEvaluations + spent.start + spent.trials + spent.lineSearch + spent.walls;
      // The share of the time tells whether spreading the Jacobian over workers pays: with an
      // expensive model it follows the share of the evaluations, with a cheap one it does not.
      const timeShare = Math.round((100 * jacobianMs) / Math.max(performance.now() - t0, 1e-9));
      context.status?.(`Jacobians ${Math.round((100 * jacobianEvaluations) / all)}% of them, ${timeShare}% of the time`);
      if (!context.report(iterations, x, 0.5 * fnorm * fnorm)) {
        info = 0;
        break;
      }
      await context.breathe();
      if (context.stopped()) {
        info = 0;
        break;
      }
    }
  }
  if ((info === 10 || info === 11) && iter === 1) {
    // Not one step was taken: nothing finite around the start to move to.
    const error = nothingFinite("lm", problem, nonFinite, "a step from the start leads to");
    problem.setValues(x);
    throw error;
  }
  let converged = info >= 1 && info <= 4 ? true : (info >= 6 && info <= 8) || info === 12 || info === 14;
  let message = MESSAGES[info];
  if (info === 13)
    message += `: ${problem.labels()[drifted]} changed by more than a factor of 2 over the last ${DRIFT_STEPS} steps while the sum of squares fell by less than ${DRIFT_GAIN} relative (a flat valley away from the data; try another start)`;
  if (converged && unusableColumns > 0) {
    // Parameters held for a non-finite Jacobian were not optimised.
    converged = false;
    message += `, with ${unusableColumns} parameter${unusableColumns === 1 ? "" : "s"} held because the Jacobian was not finite there`;
  }
  if (!converged && info !== 0) message += rejectedNote(problem, nonFinite);
  else if (walls > 0) {
    const names = problem.labels().filter((_, j) => wall[j] === 1);
    message += `, with ${names.join(", ")} held at the edge of a region where the model is not finite (last: ${nonFinite.describe(problem)})`;
  }
  problem.setValues(x);
  // The last iteration ended inside the loop; report the final state once more.
  if (context && info !== 0) context.report(iterations, x, 0.5 * fnorm * fnorm);
  let jacobianOut: LmOutcome["jacobian"];
  // An analytic Jacobian is better taken afresh at the optimum by the error bars: it costs no
  // residual evaluation there.
  const analyticElsewhere = analyticUsed && jkeepAt.some((v, j) => v !== x[j]);
  if (converged && keepAccurate && walls === 0 && !analyticUsed && !jacobianStillValid(jkeepAt, x, COVARIANCE_REUSE)) {
    // The last step went too far for the last Jacobian to serve: one more of the same kind at the
    // optimum (p or 2p evaluations) costs less than the error bars' own extrapolated one (4p + 1).
    const unusableAtEnd = evaluator ? await jacobianBatched(evaluator) : jacobian();
    spent.jacobians++;
    if (unusableAtEnd === 0) {
      jkeep.set(fjac);
      jkeepAt.set(x);
      closingPolish();
    } else keepAccurate = false;
  }
  if (keepAccurate && walls === 0 && !analyticElsewhere) {
    const J = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) J[i * n + j] = jkeep[i + j * m];
    jacobianOut = { J, at: Float64Array.from(jkeepAt), within: COVARIANCE_REUSE };
  }
  const speculative = speculation?.unusedAhead();
  return {
    x,
    sumsq: fnorm * fnorm,
    residuals: fvec,
    converged,
    message,
    info,
    iterations,
    spent,
    jacobian: jacobianOut,
    speculative,
  };
}

/**
 * Whether `lm` with these options evaluates the start itself (see {@link FitMethod.ownsStart}):
 * when it runs on several workers known before the start is evaluated (an evaluator given that
 * says so, or worker threads by count), the start's round also evaluates the first Jacobian's
 * points, one round fewer than evaluating the start alone first. Not for a start outside the
 * priors: fit() checks that one as it checks any other method's.
 */
export function lmOwnsStart(problem: Problem, options: FitOptions): boolean {
  const prior = problem.priorNllf?.(problem.getValues());
  if (prior === undefined || !Number.isFinite(prior)) return false;
  const given = optionalOption("lm", options, "evaluator");
  if (given !== undefined) return typeof given.evaluateResiduals === "function" && (given.concurrency ?? 1) > 1;
  const workers = optionalOption("lm", options, "parallel");
  return typeof workers === "number" && workers > 1 && optionalOption("lm", options, "modelFile") !== undefined;
}

/** The `lm` fit method (default for problems with residuals). */
export const lm: FitMethod = {
  name: "lm",
  description: "Levenberg–Marquardt least squares with bounds (MINPACK-style trust region)",
  needsResiduals: true,
  ownsStart: lmOwnsStart,
  async run(problem: Problem, options: FitOptions, context: MethodContext): Promise<FitResult> {
    const out = await levenbergMarquardt(problem, options, context);
    return FitResult.fromProblem(problem, {
      method: "lm",
      x: out.x,
      jacobian: out.jacobian,
      evaluations: context.evaluations.count,
      converged: out.converged,
      message: out.message,
      // ‖f‖² at x as the iteration has it (evaluated, or predicted by the polish): the result's chisq costs no further evaluation.
      sumsq: Number.isFinite(out.sumsq) ? out.sumsq : undefined,
      // And its nllf, where the problem can read it off the residuals exactly.
      residuals: Number.isFinite(out.sumsq) ? out.residuals : undefined,
      speculative: out.speculative,
    });
  },
};
