/**
 * Fit parameters: a value, a name, and how the value may vary (fixed, bounded, Gaussian prior,
 * or tied to other parameters). Priors contribute `-log(prior density)` to the problem's nllf.
 */

/** A tie: the parameter's value computed from other parameters (read their `.value`). */
export type Tie = () => number;

/** The prior of a free parameter. */
export type Prior = { kind: "uniform" } | { kind: "normal"; mean: number; sigma: number };

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * A model parameter. It is fixed until told how it varies: `range(lo, hi)`, `pm(dx)`,
 * `pm(minus, plus)`, `pmp(percent)`, `dev(sigma, mean?)`, or `fit()` (free, unbounded).
 * `fixed = true` pins it again; `equals(other | () => expr)` ties it to other parameters.
 *
 * ```ts
 * const m = new Parameter(2, "m").range(0, 4);
 * const b = new Parameter(0, "b").dev(0.5);          // Gaussian prior N(0, 0.5²)
 * const c = new Parameter(0, "c").equals(() => 2 * m.value);
 * ```
 */
export class Parameter {
  /** Name shown in results (models set it from the function's parameter list). */
  name: string;
  /** Lower bound (−Infinity when unbounded). */
  lower = -Infinity;
  /** Upper bound (+Infinity when unbounded). */
  upper = Infinity;
  /** Prior within the bounds: uniform (the default) or normal (`dev`). */
  prior: Prior = { kind: "uniform" };
  private stored: number;
  private free = false;
  private tie: Tie | undefined;
  private evaluatingTie = false;

  /** A fixed parameter with `value` (default 0) and `name` (default "p"). */
  constructor(value = 0, name = "p") {
    if (typeof value !== "number") throw new TypeError(`Parameter ${name}: value must be a number, got ${typeof value}`);
    this.stored = value;
    this.name = name;
  }

  /** Current value; a tied parameter computes it from its expression. */
  get value(): number {
    if (this.tie === undefined) return this.stored;
    if (this.evaluatingTie) throw new Error(`Parameter ${this.name}: its tie refers back to itself (a cycle of equals())`);
    this.evaluatingTie = true;
    try {
      return this.tie();
    } finally {
      this.evaluatingTie = false;
    }
  }

  set value(v: number) {
    if (this.tie !== undefined) throw new Error(`Parameter ${this.name} is tied by equals(); set the parameters it depends on`);
    this.stored = v;
  }

  /** True when the fit leaves this parameter alone (not free, or tied). Setting true pins it. */
  get fixed(): boolean {
    return !this.free || this.tie !== undefined;
  }

  set fixed(pin: boolean) {
    if (pin) {
      this.free = false;
    } else {
      this.tie = undefined;
      this.free = true;
    }
  }

  /** True when the parameter is tied to an expression. */
  get tied(): boolean {
    return this.tie !== undefined;
  }

  /** Free within `[lo, hi]` with a uniform prior (infinite bounds allowed). */
  range(lo: number, hi: number): this {
    if (Number.isNaN(lo) || Number.isNaN(hi) || !(lo < hi)) {
      throw new RangeError(`Parameter ${this.name}: range(${lo}, ${hi}) needs lo < hi`);
    }
    this.lower = lo;
    this.upper = hi;
    this.prior = { kind: "uniform" };
    this.tie = undefined;
    this.free = true;
    return this;
  }

  /** Free within `value ± dx`, or `[value - minus, value + plus]` when two widths are given. */
  pm(minus: number, plus?: number): this {
    const v = this.value;
    const lo = v - Math.abs(minus);
    const hi = v + Math.abs(plus ?? minus);
    return this.range(lo, hi);
  }

  /** Free within `value ± percent%` (or `-minus% / +plus%`) of the current value. */
  pmp(minus: number, plus?: number): this {
    const v = Math.abs(this.value);
    if (v === 0) throw new RangeError(`Parameter ${this.name}: pmp() of a zero value gives an empty range; use range() or pm()`);
    return this.pm((v * minus) / 100, (v * (plus ?? minus)) / 100);
  }

  /**
   * Free with a Gaussian prior of standard deviation `sigma` around `mean` (default: the current
   * value), optionally truncated to `limits`.
   */
  dev(sigma: number, mean?: number, limits?: [number, number]): this {
    if (!(sigma > 0) || !Number.isFinite(sigma))
      throw new RangeError(`Parameter ${this.name}: dev(${sigma}) needs a positive finite sigma`);
    const mu = mean ?? this.value;
    this.range(limits?.[0] ?? -Infinity, limits?.[1] ?? Infinity);
    this.prior = { kind: "normal", mean: mu, sigma };
    return this;
  }

  /** Free and unbounded (uniform improper prior). */
  fit(): this {
    return this.range(-Infinity, Infinity);
  }

  /** Ties this parameter to another one or to an expression of others (`() => 2 * a.value`). */
  equals(other: Parameter | Tie | number): this {
    if (other === this) throw new Error(`Parameter ${this.name} cannot equal itself`);
    if (other instanceof Parameter) this.tie = () => other.value;
    else if (typeof other === "function") this.tie = other;
    else if (typeof other === "number") {
      this.tie = undefined;
      this.stored = other;
      this.free = false;
      return this;
    } else throw new TypeError(`Parameter ${this.name}: equals() takes a Parameter, a function or a number`);
    return this;
  }

  /**
   * `-log` of the prior density at `v` (default: the current value): `Infinity` outside the
   * bounds; `log(hi - lo)` for a uniform prior on a finite range and 0 on an infinite one
   * (improper, constant); `(v-mean)²/(2σ²) + log(σ√(2π))` for `dev`.
   */
  nllf(v = this.value): number {
    if (!(v >= this.lower && v <= this.upper)) return Infinity;
    if (this.prior.kind === "normal") {
      const z = (v - this.prior.mean) / this.prior.sigma;
      return 0.5 * z * z + Math.log(this.prior.sigma) + LOG_SQRT_2PI;
    }
    const width = this.upper - this.lower;
    return Number.isFinite(width) ? Math.log(width) : 0;
  }

  /** A short description, e.g. `m = 2 in [0, 4]`. */
  toString(): string {
    const how = this.tied
      ? "tied"
      : this.fixed
        ? "fixed"
        : this.prior.kind === "normal"
          ? `~ N(${this.prior.mean}, ${this.prior.sigma}) in [${this.lower}, ${this.upper}]`
          : `in [${this.lower}, ${this.upper}]`;
    return `${this.name} = ${this.value} ${how}`;
  }
}

/** A number or a parameter, as models accept for initial values. */
export type ParameterLike = number | Parameter;

/** Wraps a number into a fixed parameter named `name`; returns a parameter as is (renaming a default-named one). */
export function toParameter(value: ParameterLike, name: string): Parameter {
  if (value instanceof Parameter) {
    if (value.name === "p") value.name = name;
    return value;
  }
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(`parameter ${name}: initial value must be a number or a Parameter, got ${String(value)}`);
  }
  return new Parameter(value, name);
}
