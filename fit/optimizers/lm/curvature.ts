/**
 * Each parameter's forward-difference step from the model's curvature along it, learned from the
 * run's own forward Jacobians, without an evaluation of its own.
 *
 * A forward difference with step h errs by (h/2)‖∂²f/∂x_j²‖ (truncation) plus about 2η/h, η the
 * rounding noise of the residuals (rounding); the step that balances them is h = 2√(η/‖∂²f/∂x_j²‖)
 * (Gill, Murray, Saunders & Wright, "Computing forward-difference intervals for numerical
 * optimization", SIAM J. Sci. Stat. Comput. 4 (1983) 310). The textbook √ε·|x_j| assumes the
 * curvature is of the order of f/x_j²: a parameter the model is linear in (an amplitude, an
 * offset) then differs by rounding alone, which a far longer step removes, and one it bends
 * sharply along (a period, a rate) wants a shorter one.
 *
 * The curvature comes from successive forward Jacobians: between x_k and x_{k+1} = x_k + s, each
 * column changes by J_{k+1,j} − J_{k,j} ≈ Σ_l H_{jl} s_l, H = ∂²f/∂x² per residual. Over the last
 * 2p pairs, that is a least-squares problem per column in its row of H, with the same design (the
 * steps) for every column and residual, regularized towards zero where the pairs do not yet
 * determine it; only each residual's H_jj is kept. A Jacobian only stores its change (pm
 * numbers); the solve, about 2p²m operations (what the Jacobian's QR factorization costs), runs
 * only where its results are used.
 *
 * The same second derivatives give what the forward differences' error does to the gradient Jᵀf,
 * which places the optimum: `forward-bias.ts` weighs it instead of a bound from √ε.
 *
 * The steps are given out from the end game on (see {@link ColumnCurvature.learn}), and never
 * beside a region where the model is not finite (`run.ts` makes it forget).
 */
import { choleskyInto } from "../../linalg/cholesky.js";
import { forwardStep } from "./differences.js";
import { STEP_SETTLED } from "./step-test.js";

/** Above this many stored numbers (WINDOW·p² × residuals) the steps stay the textbook ones. */
const MAX_STORED = 1_000_000;
/** Learned steps stay within these multiples of |x_j| (of 1 at zero)... */
const LEARNED_STEP_MIN = 2e-9;
/**
 * ...: 100 times the textbook step at most. A longer one lets a parameter whose curvature the
 * pairs underestimate lose digits to truncation: with 1e-4, Kirby2 and MGH09 from some random
 * starts end at 5.0–5.7 digits.
 */
const LEARNED_STEP_MAX = 1.5e-6;
/**
 * A column whose unit vector lies this much outside the span of the steps learned from (its
 * share ridge·w_j of the regularized solve) has no curvature learned.
 */
const UNIDENTIFIED = 0.9;
/** The largest relative change of a parameter between two Jacobians at which the end game begins... */
const END_GAME_STEP = 1e-2;
/** ...and the largest rate at which the steps shrink (a plateau's creeping steps do not). */
const END_GAME_RATE = 0.5;
/** The curvature is learned from the last WINDOW·p pairs of Jacobians: the recent path, near where the steps serve. */
const WINDOW = 2;
/** The regularization, relative to the mean of the normal matrix's diagonal. */
const RIDGE = 1e-10;

/** What a run's forward Jacobians tell of each column's curvature, and the steps and errors that follow. */
export class ColumnCurvature {
  /** The forward step per parameter (absolute) for the next Jacobian; NaN for the textbook one. */
  readonly steps: Float64Array;
  private readonly truncation: Float64Array;
  private readonly rounding: Float64Array;
  /** Whether `truncation` and `rounding` wait for a solve (done when asked for: see {@link gradientErrors}). */
  private stale = false;
  /** Whether the steps learned are given out: from the end game on (see {@link learn}). */
  private active = false;
  /** Whether it learns: the problem is small enough (see MAX_STORED), and it was not told to forget. */
  private enabled: boolean;
  private readonly scale: Float64Array;
  private readonly prevJ: Float64Array;
  private readonly prevX: Float64Array;
  private readonly prevF: Float64Array;
  private havePrev = false;
  /** The last WINDOW·n pairs' scaled steps σ = s/c (n each), a ring. */
  private readonly sigmas: Float64Array;
  /** The same pairs' scaled column changes c_j·ΔJ_j (n·m each, column-major), allocated as pairs come. */
  private readonly changes: Float64Array[] = [];
  /** The pairs seen (the ring holds the last `window` of them). */
  private pairs = 0;
  private readonly window: number;
  private readonly ata: Float64Array;
  private readonly alpha: Float64Array;
  private readonly chol: Float64Array;
  private readonly w: Float64Array;
  /** Per column, its second derivative along its parameter at each residual (n × m). */
  private readonly second: Float64Array;
  /** Per column, the 2-norm of `second`'s row. */
  private readonly curvature: Float64Array;

  /** For `n` parameters and `m` residuals, scaled by the start's magnitudes `x0`. */
  constructor(
    private readonly n: number,
    private readonly m: number,
    x0: Float64Array,
  ) {
    this.enabled = WINDOW * n * n * m <= MAX_STORED && n > 0;
    this.steps = new Float64Array(n).fill(NaN);
    this.truncation = new Float64Array(n).fill(NaN);
    this.rounding = new Float64Array(n).fill(NaN);
    this.scale = Float64Array.from(x0, (v) => (v !== 0 && Number.isFinite(v) ? Math.abs(v) : 1));
    const size = this.enabled ? 1 : 0;
    this.prevJ = new Float64Array(size * m * n);
    this.prevX = new Float64Array(n);
    this.prevF = new Float64Array(size * m);
    this.window = WINDOW * n;
    this.sigmas = new Float64Array(size * this.window * n);
    this.ata = new Float64Array(size * n * n);
    this.alpha = new Float64Array(size * this.window);
    this.chol = new Float64Array(size * n * n);
    this.w = new Float64Array(n);
    this.second = new Float64Array(size * n * m);
    this.curvature = new Float64Array(n);
  }

  /**
   * Learns from a forward Jacobian `fjac` (column-major, every column differenced forward) at `x`
   * with residuals `fvec`, paired with the last such one: the errors of its columns, and the
   * steps for the next.
   * They are given out from the end game on: once the accepted step that led here reduced ‖f‖²
   * by at most the fraction STEP_SETTLED (`reduction`), the steps shrink (`rate`, the last one's
   * size against the one before, at most END_GAME_RATE), and no parameter changed by more than
   * END_GAME_STEP since the last Jacobian. Far from the optimum a Jacobian's last digits hardly
   * matter, and the path there (a plateau's drift, the basin it ends in) stays the textbook
   * steps' one.
   */
  learn(x: Float64Array, fjac: Float64Array, fvec: Float64Array, reduction: number, rate: number): void {
    if (!this.enabled) return;
    const { n, m, scale, prevJ, prevX, prevF } = this;
    const paired = this.havePrev;
    if (paired) {
      // Column j's equation c_j·ΔJ_j = Σ_l (H_jl·c_j·c_l)(s_l/c_l): the design row σ = s/c is
      // every column's; its right-hand side c_j·ΔJ_j is the column's own.
      const slot = this.pairs % this.window;
      const sigma = this.sigmas.subarray(slot * n, slot * n + n);
      for (let l = 0; l < n; l++) sigma[l] = (x[l] - prevX[l]) / scale[l];
      if (!this.active && reduction <= STEP_SETTLED && rate <= END_GAME_RATE) {
        let largest = 0;
        for (let l = 0; l < n; l++) largest = Math.max(largest, Math.abs(sigma[l]));
        this.active = largest <= END_GAME_STEP;
      }
      const change = (this.changes[slot] ??= new Float64Array(n * m));
      for (let j = 0; j < n; j++) {
        const col = j * m;
        const cj = scale[j];
        for (let i = 0; i < m; i++) change[col + i] = cj * (fjac[col + i] - prevJ[col + i]);
      }
      this.pairs++;
    }
    prevJ.set(fjac.subarray(0, m * n));
    prevX.set(x);
    prevF.set(fvec);
    this.havePrev = true;
    if (!paired) return;
    // The steps for the next Jacobian are needed now in the end game; before it only the errors
    // are, and only where a stopping test asks for them (a solve costs about 2p²m).
    if (this.active) this.update();
    else this.stale = true;
  }

  /** Parameter j's forward-difference step at `xj`: the learned one, else the textbook √ε relative. */
  step(j: number, xj: number): number {
    const learned = this.steps[j];
    return learned > 0 ? learned : forwardStep(xj);
  }

  /**
   * Per column of the Jacobian last learned from, its errors in the gradient Jᵀf, per unit ‖f‖:
   * `truncation`, (h/2)·(∂²f/∂x_j²)ᵀf with the step h it was differenced with, signed; `rounding`,
   * the expected size of its rounding's. NaN where the curvature is not known, and after
   * {@link breakPair} until the next pair.
   */
  gradientErrors(): { truncation: Float64Array; rounding: Float64Array } {
    if (this.stale) this.update();
    return { truncation: this.truncation, rounding: this.rounding };
  }

  /** Solves for the curvature and refreshes the steps and errors at the Jacobian last learned from. */
  private update(): void {
    this.stale = false;
    this.solve();
    this.refresh(this.prevX, this.prevJ, this.prevF);
  }

  /** Stops learning, and forgets the steps and errors learned: the textbook ones from here on. */
  forget(): void {
    this.enabled = false;
    this.havePrev = false;
    this.stale = false;
    this.steps.fill(NaN);
    this.truncation.fill(NaN);
    this.rounding.fill(NaN);
  }

  /** Forgets the last Jacobian: the next one does not pair with it (not a forward one, or not at an iterate). */
  breakPair(): void {
    this.havePrev = false;
    this.stale = false;
    // The Jacobian in hand is not the one the errors describe.
    this.truncation.fill(NaN);
    this.rounding.fill(NaN);
  }

  /** Each column's second derivatives ∂²f/∂x_j² (one per residual) into `second`, from the pairs so far. */
  private solve(): void {
    const { n, m, scale, sigmas, changes, ata, alpha, chol, w, second } = this;
    const count = Math.min(this.pairs, this.window);
    ata.fill(0);
    for (let k = 0; k < count; k++)
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) ata[a * n + b] += sigmas[k * n + a] * sigmas[k * n + b];
    let trace = 0;
    for (let a = 0; a < n; a++) trace += ata[a * n + a];
    if (!(trace > 0) || !Number.isFinite(trace)) {
      this.curvature.fill(NaN);
      return;
    }
    const ridge = (RIDGE * trace) / n;
    choleskyInto(ata, n, ridge, ridge, chol);
    for (let j = 0; j < n; j++) {
      // w = (ata + ridge)⁻¹ e_j; each residual's scaled H_jj is Σ_k (w·σ_k)·c_j·ΔJ_kj.
      w.fill(0);
      w[j] = 1;
      for (let a = 0; a < n; a++) {
        let t = w[a];
        for (let k = 0; k < a; k++) t -= chol[a * n + k] * w[k];
        w[a] = t / chol[a * n + a];
      }
      for (let a = n - 1; a >= 0; a--) {
        let t = w[a];
        for (let k = a + 1; k < n; k++) t -= chol[k * n + a] * w[k];
        w[a] = t / chol[a * n + a];
      }
      // e_j outside the span of the steps so far (parameter j has not moved on its own): its
      // curvature is not known, and a zero would be a guess, so the textbook step stays.
      if (ridge * w[j] > UNIDENTIFIED) {
        this.curvature[j] = NaN;
        continue;
      }
      const unscale = 1 / (scale[j] * scale[j]);
      for (let k = 0; k < count; k++) {
        let t = 0;
        for (let a = 0; a < n; a++) t += w[a] * sigmas[k * n + a];
        alpha[k] = t * unscale;
      }
      const z = second.subarray(j * m, j * m + m);
      z.fill(0);
      for (let k = 0; k < count; k++) {
        const ak = alpha[k];
        if (ak === 0) continue;
        const change = changes[k];
        const col = j * m;
        for (let i = 0; i < m; i++) z[i] += ak * change[col + i];
      }
      let sum = 0;
      for (let i = 0; i < m; i++) sum += z[i] * z[i];
      this.curvature[j] = Math.sqrt(sum);
    }
  }

  /** The steps and errors at `x` (residuals `fvec`, Jacobian `fjac`) from the second derivatives solved for. */
  private refresh(x: Float64Array, fjac: Float64Array, fvec: Float64Array): void {
    const { n, m, second } = this;
    // The residuals' rounding noise η: ε times the size of the model's values, taken as |f_i| plus
    // what the parameters contribute to it (Σ_j |J_ij x_j|), which residuals of a good fit hide.
    let noise2 = 0;
    let weighted2 = 0;
    let fnorm2 = 0;
    for (let i = 0; i < m; i++) {
      let t = Math.abs(fvec[i]);
      for (let j = 0; j < n; j++) t += Math.abs(fjac[j * m + i] * x[j]);
      noise2 += t * t;
      weighted2 += t * t * fvec[i] * fvec[i];
      fnorm2 += fvec[i] * fvec[i];
    }
    const noise = Number.EPSILON * Math.sqrt(noise2);
    // The rounding's share of a column's δJᵀf: independent errors of about 2ε|model_i|/h weighted by f_i.
    const roundingOfGradient = 2 * Number.EPSILON * Math.sqrt(weighted2);
    const fnorm = Math.sqrt(fnorm2);
    for (let j = 0; j < n; j++) {
      const curvature = this.curvature[j];
      // The step the Jacobian in hand was differenced with: the one given out, else the textbook one.
      const used = this.step(j, x[j]);
      if (!(curvature >= 0)) {
        this.steps[j] = NaN;
        this.truncation[j] = NaN;
        this.rounding[j] = NaN;
        continue;
      }
      let alongF = 0;
      for (let i = 0; i < m; i++) alongF += second[j * m + i] * fvec[i];
      // The step that balances the column's truncation against its rounding, or, where shorter,
      // the one that balances them in the gradient Jᵀf, which places the optimum: there the
      // truncation adds up along f while the rounding adds up at random.
      const magnitude = x[j] !== 0 ? Math.abs(x[j]) : 1;
      const forColumn = curvature > 0 ? 2 * Math.sqrt(noise / curvature) : Infinity;
      const forGradient = alongF !== 0 ? Math.sqrt((2 * roundingOfGradient) / Math.abs(alongF)) : Infinity;
      const balanced = Math.min(forColumn, forGradient);
      const h = Math.min(Math.max(balanced, LEARNED_STEP_MIN * magnitude), LEARNED_STEP_MAX * magnitude);
      // The Jacobian in hand's column j errs in the gradient Jᵀf, per unit ‖f‖, by its truncation
      // (h/2)·(∂²f/∂x_j²)ᵀf and its rounding, h the step it was differenced with.
      this.truncation[j] = fnorm > 0 ? ((used / 2) * alongF) / fnorm : NaN;
      this.rounding[j] = fnorm > 0 ? roundingOfGradient / used / fnorm : NaN;
      this.steps[j] = this.active && Number.isFinite(h) && h > 0 ? h : NaN;
    }
  }
}
