/**
 * The state of one LM run: the problem and its settings, the workspaces every iteration reuses,
 * the trust region, the phase of the finite differences (forward, central columns, or forward
 * corrected along one direction), the secant updates' state, the step being tried and the
 * counters the outcome reports. The iteration's parts (the files of this folder) read and write
 * it; nothing in it outlives the run.
 */
import type { MethodContext } from "../../methods.js";
import { NonFiniteLog } from "../../non-finite.js";
import { optionalOption, readOption } from "../../options/check.js";
import type { Problem } from "../../types.js";
import { ColumnCurvature } from "./curvature.js";
import { LmDrift } from "./drift.js";
import type { Foresight } from "./foresight.js";
import type { JacobianBatch } from "./jacobian.js";
import type { BroydenJacobian } from "./secant.js";
import { LmStepWork } from "./step.js";
import type { LmEvaluations, LmOptions } from "./types.js";

/**
 * What the iteration does after a trial step: `retry` another trial on the same Jacobian (the
 * step was refused), `measure` report progress and take the next Jacobian, `remeasure` take the
 * next Jacobian at once (the central phase begins at the same point), `stop` end the run (`info`
 * says why).
 */
export type Next = "retry" | "measure" | "remeasure" | "stop";

/**
 * One LM run's state; see the file's comment. Its numeric fields that hold fractions are declared
 * NaN, and those read before the iteration writes them get their starting values in the
 * constructor: V8 then stores them as doubles from the first run on. A field that held only small
 * integers changes the object's layout when it first gets a fraction, which deoptimizes every
 * compiled function that reads the state (on the NIST problems fitted in turn in one process, the
 * first extrapolation, on the second problem, did so).
 */
export class LmState {
  /** Residuals per evaluation. */
  readonly m: number;
  /** Parameters. */
  readonly n: number;
  /** The current point: the problem's values clamped into the box, moved by each accepted step (and the polish). */
  readonly x: Float64Array;
  /** The box: lower bounds of the parameters. */
  readonly lower: Float64Array;
  /** The box: upper bounds of the parameters. */
  readonly upper: Float64Array;

  // Settings (the options, read once).
  /** Iteration limit (option `steps`). */
  readonly maxIter: number;
  /** MINPACK's tolerances on the relative reduction of ‖f‖², the relative change of x and the gradient's cosine. */
  readonly ftol: number;
  readonly xtol: number;
  readonly gtol: number;
  /** The initial trust region's radius, relative to ‖D x‖ (option `factor`). */
  readonly factor: number;
  /** diff "auto": forward differences, central ones near the optimum where their error matters (see `forward-bias.ts`). */
  readonly auto: boolean;
  /** Geodesic acceleration of each step (option `accel`, see `acceleration.ts`). */
  readonly accel: boolean;
  /** The line search along accepted steps (option `extend`, see `line-search.ts`). */
  readonly extend: boolean;

  /** Where the residual evaluations went (the outcome's `spent`). */
  readonly spent: LmEvaluations = {
    start: 0,
    forward: 0,
    central: 0,
    analytic: 0,
    trials: 0,
    lineSearch: 0,
    walls: 0,
    jacobians: 0,
  };

  // Workspaces: allocated once, reused by every iteration.
  /** The residuals at x. */
  readonly fvec: Float64Array;
  /** The residuals at the trial point (after a refusal, still those of the refused point). */
  readonly ftrial: Float64Array;
  /** Residuals of a finite difference's point (the upper one of a central pair); Qᵀf in the factorization. */
  readonly fwork: Float64Array;
  /** Residuals of a central difference's lower point. */
  readonly fwork2: Float64Array;
  /** The Jacobian at x (column-major), then the factorization's Householder vectors. */
  readonly fjac: Float64Array;
  /**
   * The last Jacobian (column-major) and where it was taken, kept for the error bars (and the
   * polish's prediction) because the QR factorization overwrites fjac.
   */
  readonly jkeep: Float64Array;
  readonly jkeepAt: Float64Array;
  /** An analytic Jacobian as the problem gives it (row-major). */
  readonly jrow: Float64Array;
  /** The trust region's scaling D: the largest column norms of the measured Jacobians. */
  readonly diag: Float64Array;
  /** Qᵀf (its first n entries). */
  readonly qtf: Float64Array;
  /** The factorization's R: its diagonal, and R whole (n × n column-major). */
  readonly rdiag: Float64Array;
  readonly r: Float64Array;
  /** The Jacobian's column norms before the factorization. */
  readonly acnorm: Float64Array;
  /** The factorization's column pivoting. */
  readonly ipvt: Int32Array;
  /** The LM step p (the trial point is x − p, projected onto the box). */
  readonly step: Float64Array;
  /** The trial point; the finite differences' points step from x in it. */
  readonly xtrial: Float64Array;
  /** The step taken (trial point − x, after the projection); the secant update's step; the QR's scratch. */
  readonly wa: Float64Array;
  /** D times the step taken; then R Pᵀ of it; D x. */
  readonly wa3: Float64Array;
  /** The LM parameter's solver's scratch. */
  readonly work: LmStepWork;
  /** R⁻¹ for the forward differences' bias bound (see `forwardBias`). */
  readonly biasWork: Float64Array;
  /** Each column's share of the bound on the forward differences' bias, per parameter (see `forwardBias`). */
  readonly biasTerms: Float64Array;
  /** The columns differenced centrally once central differences are on (every one for diff "central"). */
  readonly centralColumns: Uint8Array;
  /** Parameters held this iteration: at a bound the gradient points out of, or for the reasons in `unusable` and `wall`. */
  readonly held: Uint8Array;
  /** Geodesic acceleration's copies of J, of R and the residuals' second directional derivative (aliases when off). */
  readonly jcopy: Float64Array;
  readonly rvv: Float64Array;
  readonly rcopy: Float64Array;
  /** Geodesic acceleration's solve: the acceleration, its damping diagonal and scratch. */
  readonly acc: Float64Array;
  readonly accDiag: Float64Array;
  readonly accWork: Float64Array;
  readonly accSdiag: Float64Array;
  /** The line search's point and its residuals; the wall probes'. */
  readonly xext: Float64Array;
  readonly fext: Float64Array;
  /** Where the model was not finite (for the messages). */
  readonly nonFinite: NonFiniteLog;
  /** Columns of the current Jacobian that could not be made finite: held for the iteration. */
  readonly unusable: Uint8Array;
  /** Parameters held where the model stops being finite (a wall the trust region collapsed on). */
  readonly wall: Uint8Array;
  /** The bias direction's scaling diag(|at|), its eigenvector, and power iteration scratch (see `bias-direction.ts`). */
  readonly dirScale: Float64Array;
  readonly dirV: Float64Array;
  readonly dirZ: Float64Array;
  readonly dirW: Float64Array;
  readonly dirU: Float64Array;
  /** The pair of points that corrects this Jacobian along the bias direction. */
  readonly dirPlus: Float64Array;
  readonly dirMinus: Float64Array;
  /** Where the last refused trial point was (its residuals stay in ftrial). */
  readonly rejectedAt: Float64Array;
  /** The last accepted step (scaled by D), for the extrapolation and the shortened line search. */
  readonly lastStep: Float64Array;
  /** The accepted points of the last steps, for the stop of a drifting run (see `drift.ts`). */
  readonly drift: LmDrift;
  /** The run's start in performance.now() time, and the time spent computing Jacobians (for the live line's share). */
  readonly t0: number;
  jacobianMs = NaN;

  // The Jacobian.
  /** Whether the last Jacobian covers every parameter (no column held for being non-finite): it may serve the error bars. */
  keepAccurate = false;
  /** Whether the last Jacobian is the problem's analytic one. */
  analyticUsed = false;
  /** Columns of this iteration's Jacobian held for being non-finite. */
  unusableColumns = 0;
  /** Parameters held at walls (see `wall`). */
  walls = 0;

  // The phase of the finite differences.
  /** Central differences are on: diff "central", or diff "auto" once near the optimum where the forward ones' error matters. */
  central: boolean;
  /**
   * The central phase of diff "auto" corrects each forward Jacobian along the one direction its
   * error moves the optimum most (see `biasDirection`): two evaluations per Jacobian whatever the
   * number of parameters. Where that does not serve (at most two central columns, which cost no
   * more; the error spread over several directions; a parameter held or at zero; a singular
   * factorization; the points outside the box) it differences the columns `chooseCentralColumns`
   * picked centrally, from then on.
   */
  directional: boolean;
  /**
   * Whether the next Jacobian is taken at the point where the forward one in jkeep was, which
   * serves its forward columns (the central phase beginning where the forward one ended).
   */
  forwardKept = false;
  /** Jacobians corrected so far (see DIRECTION_MAX_JACOBIANS). */
  directionalJacobians = 0;

  // The trust region and the convergence.
  /** ‖f‖ at x. */
  fnorm = NaN;
  /** The LM parameter λ. */
  par = NaN;
  /** The trust region's radius Δ (scaled). */
  delta = NaN;
  /** ‖D x‖. */
  xnorm = NaN;
  /** The relative reduction of ‖f‖² by the last accepted step. */
  lastReduction = Infinity;
  /** The largest relative change of a parameter in the last accepted step (0: not to be compared with). */
  prevWorst = NaN;
  /** The convergence rate of the last accepted step. */
  lastRate = NaN;
  /** The rate the next step inherits when its own cannot be measured. */
  switchRate = NaN;
  /** Whether the last accepted step was a plain Gauss–Newton step (no λ, no cut, no line search): the extrapolation's premise. */
  lastPlain = false;
  /** The rate the extrapolated step was scaled for. */
  extrapolatedRate = NaN;
  /** Accepted steps plus one (MINPACK's `iter`: 1 until the first step is taken). */
  iter = 1;
  /** Iterations (Jacobians, measured or updated). */
  iterations = 0;
  /** Why the run ended (see `LmOutcome.info`); set when it ends. */
  info = 0;
  /** The parameter that drifted when the run gave up (info 13). */
  drifted = -1;

  // Refusals.
  /** Whether the last rejected trial point was rejected for non-finite residuals. */
  lastTrialNonFinite = false;
  /** Whether the last trial point was rejected (see `rejectedAt`). */
  rejected = false;
  /** ‖f‖ at the last rejected trial point. */
  rejectedNorm = Infinity;

  // Secant updates (see `secant.ts`).
  /** Whether this iteration's Jacobian is a secant update. */
  secant = false;
  /** Whether the next Jacobian must be measured (a secant step failed, or the run is young). */
  needFull = true;
  /** Whether every Jacobian from here on is measured (a stopping test fired on a secant one). */
  endGame = false;

  // The step being tried, with the Jacobian's gradient test.
  /** The scaled gradient's norm (the largest cosine between f and J's columns) of this Jacobian. */
  gnorm = NaN;
  /** λ of this step (0: the Gauss–Newton step). */
  stepPar = NaN;
  /** Whether the step was extrapolated (see `extrapolation.ts`). */
  extrapolated = false;
  /** Whether the step is not the LM step as solved: accelerated, cut by the box or extrapolated. */
  clipped = false;
  /** ‖D·step‖ of the step taken. */
  pnorm = NaN;
  /** ‖f‖ at the trial point. */
  fnorm1 = NaN;
  /** The actual and predicted relative reductions of ‖f‖², their ratio, and the directional derivative. */
  actred = NaN;
  prered = NaN;
  ratio = NaN;
  dirder = NaN;
  /** Whether the step test ends the run after this accepted step. */
  stepStop = false;

  // Where the evaluations go, known once the start is evaluated (see `start.ts`).
  /** The evaluator the finite differences' points go to in batches, with its workspaces (none: this thread, one by one). */
  batch: JacobianBatch | undefined = undefined;
  /** On several workers, the rounds that also evaluate what the iteration will ask next, and their workspaces. */
  foresight: Foresight | undefined = undefined;
  /** Secant updates' Jacobian and workspaces, when they may be used (see SECANT_AFTER). */
  broyden: BroydenJacobian | undefined = undefined;
  /** Each column's curvature learned from the forward Jacobians, and the forward steps it gives. */
  readonly curvature: ColumnCurvature;

  /** A run of `problem` (at its current values) with these options; throws on residual counts lm cannot fit. */
  constructor(
    readonly problem: Problem,
    options: LmOptions,
    /** fit()'s context: the evaluation counter, progress reports, the stop. */
    readonly context: MethodContext | undefined,
  ) {
    const m = problem.residualCount();
    const x = problem.getValues();
    const n = x.length;
    if (m === 0) throw new Error("lm: the problem has no residuals");
    if (m < n)
      throw new Error(`lm: ${m} residuals for ${n} parameters; least squares needs at least as many residuals as parameters`);
    this.m = m;
    this.n = n;
    this.x = x;
    this.maxIter = readOption("lm", options, "steps", n);
    this.ftol = readOption("lm", options, "ftol");
    this.xtol = readOption("lm", options, "xtol");
    this.gtol = readOption("lm", options, "gtol");
    this.factor = readOption("lm", options, "factor");
    const diff = readOption("lm", options, "diff");
    this.auto = diff === "auto";
    this.central = diff === "central";
    this.directional = this.auto;
    const { lower, upper } = problem.bounds();
    this.lower = lower;
    this.upper = upper;
    for (let j = 0; j < n; j++) x[j] = Math.min(upper[j], Math.max(lower[j], x[j]));
    this.curvature = new ColumnCurvature(n, m, x);

    this.fvec = new Float64Array(m);
    this.ftrial = new Float64Array(m);
    this.fwork = new Float64Array(m);
    this.fwork2 = new Float64Array(m);
    this.fjac = new Float64Array(m * n);
    this.jkeep = new Float64Array(m * n);
    this.jkeepAt = new Float64Array(n);
    this.jrow = new Float64Array(m * n);
    this.diag = new Float64Array(n);
    this.qtf = new Float64Array(n);
    this.rdiag = new Float64Array(n);
    this.acnorm = new Float64Array(n);
    this.ipvt = new Int32Array(n);
    this.r = new Float64Array(n * n);
    this.step = new Float64Array(n);
    this.xtrial = new Float64Array(n);
    this.wa = new Float64Array(n);
    this.wa3 = new Float64Array(n);
    this.work = new LmStepWork(n);
    this.biasWork = new Float64Array(n * n);
    this.biasTerms = new Float64Array(n * n);
    this.centralColumns = new Uint8Array(n).fill(1);
    this.held = new Uint8Array(n);
    const accel = readOption("lm", options, "accel");
    this.accel = accel;
    this.jcopy = accel ? new Float64Array(m * n) : this.fjac;
    this.rvv = accel ? new Float64Array(m) : this.fwork;
    this.acc = new Float64Array(n);
    this.accDiag = new Float64Array(n);
    this.accWork = new Float64Array(n);
    this.accSdiag = new Float64Array(n);
    this.rcopy = accel ? new Float64Array(n * n) : this.r;
    this.extend = optionalOption("lm", options, "extend") ?? !accel;
    this.xext = new Float64Array(n);
    this.fext = new Float64Array(m);
    this.nonFinite = new NonFiniteLog(n);
    this.unusable = new Uint8Array(n);
    this.wall = new Uint8Array(n);
    this.dirScale = new Float64Array(n);
    this.dirV = new Float64Array(n);
    this.dirZ = new Float64Array(n);
    this.dirW = new Float64Array(n);
    this.dirU = new Float64Array(n);
    this.dirPlus = new Float64Array(n);
    this.dirMinus = new Float64Array(n);
    this.rejectedAt = new Float64Array(n);
    this.lastStep = new Float64Array(n);
    this.drift = new LmDrift(n);
    this.t0 = performance.now();
    this.jacobianMs = 0;
    this.par = 0;
    this.prevWorst = 0;
    this.lastRate = 1;
    this.switchRate = 1;
  }

  /** The columns the central phase differences centrally now: none before it, and none while it corrects along one direction. */
  columnsInUse(): Uint8Array | undefined {
    return this.central && !this.directional ? this.centralColumns : undefined;
  }
}
