/**
 * `Curve`: a model `y = f(x; p)` with Gaussian uncertainties `dy`, the workhorse of least-squares
 * fitting. Parameter names come from `f`'s own parameter list; initial values from the defaults
 * or the `initial` record.
 */
import type { FitBundleCurve, FitBundleModel } from "../schema/fit.js";
import { VARIABLE_NAME } from "../schema/display.js";
import { evaluatePoints } from "./call-points.js";
import { formalParameters } from "./function-parameters.js";
import type { Model } from "./model.js";
import { Parameter, toParameter, type ParameterLike } from "./parameter.js";
import { UserError } from "../util/user-error.js";

/**
 * A model function: `(x, p1, p2, ...) => y`. Scalar form: `x` is one point (a number, or a
 * vector when x is multi-dimensional) and the result is a number (or one number per response).
 * Vectorised form: `x` is the whole Float64Array (or the array of points) and the result has one
 * value per point (response-major: all points of response 0, then response 1, ...; or an array
 * of one array per response).
 */
export type CurveFunction = (x: never, ...p: number[]) => number | ArrayLike<number> | ArrayLike<ArrayLike<number>>;

/** Abscissae: numbers, or one vector per point for multi-dimensional x. */
export type CurveX = ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;

/** Measurements: one array of n values, or one array per response. */
export type CurveY = ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;

/** Options of a {@link Curve}. */
export interface CurveOptions {
  /** Model name in results. */
  name?: string;
  /** Force the vectorised (true) or per-point (false) calling form; detected when omitted. */
  vectorized?: boolean;
  /** Parameter names (after x) when they cannot be read from the function's source. */
  names?: string[];
  /**
   * Analytic derivatives of f with respect to the parameters (in the order of the function's
   * list). Per-point form: returns `[df/dp1, df/dp2, ...]` at one x (single response only).
   * Vectorised form: returns `n × nparams` values, row-major.
   */
  jacobian?: (x: never, ...p: number[]) => ArrayLike<number>;
  /**
   * Analytic partial derivatives of f, one function per parameter name, called like f: per-point
   * form `(x, p1, p2, ...) => ∂f/∂p` at one x; vectorised form, one value per point. Every
   * parameter of the function needs one (single response only); an alternative to `jacobian`.
   */
  partials?: Record<string, (x: never, ...p: number[]) => number | ArrayLike<number>>;
}

/** Initial values or parameters by name. */
export type CurveInitial = Record<string, ParameterLike>;

const DENSE_POINTS = 400;

/** The implementation behind {@link Curve}; use `new Curve(...)`. */
export class CurveModel implements Model {
  /** Model name in results. */
  name?: string;
  /** Name of the notebook variable the model was first declared as (titles results when `name` is not given). */
  variableName?: string;
  /** The abscissae as given. */
  readonly x: CurveX;
  /** Measured values, response-major (`y[r * n + i]`). */
  readonly y: Float64Array;
  /** Uncertainties, same layout as `y` (ones when not given). */
  readonly dy: Float64Array;
  /** Number of points n. */
  readonly n: number;
  /** Number of responses per point. */
  readonly responses: number;
  /** The model's parameters by name (also reachable as properties: `M.m`). */
  readonly p: Record<string, Parameter> = {};
  /** The model function. */
  readonly fn: CurveFunction;
  protected readonly names: string[];
  protected readonly givenDy: boolean;
  protected readonly xNumeric: Float64Array | undefined;
  protected vectorized: boolean | undefined;
  private readonly jacobianFn: CurveOptions["jacobian"];
  private readonly partialFns: ((...a: unknown[]) => number | ArrayLike<number>)[] | undefined;
  private readonly args: unknown[];
  private readonly values: Float64Array;
  private readonly ordered: Parameter[] = [];
  private readonly fx: Float64Array;

  /**
   * @param fn the model function `(x, p1, p2, ...) => y`
   * @param x abscissae (numbers, or one vector per point)
   * @param y measurements (one array, or one array per response)
   * @param dy uncertainties: an array like y, one number for all, or undefined for 1
   * @param initial initial values or parameters by name (override the function's defaults)
   * @param options name, calling form, names, analytic jacobian
   */
  constructor(
    fn: CurveFunction,
    x: CurveX,
    y: CurveY,
    dy?: CurveY | number,
    initial: CurveInitial = {},
    options: CurveOptions = {},
  ) {
    if (typeof fn !== "function")
      throw new TypeError("Curve: the first argument must be the model function (x, p1, p2, ...) => y");
    this.fn = fn;
    this.name = options.name;
    this.x = x;
    this.n = x.length;
    if (this.n === 0) throw new RangeError("Curve: x is empty");
    const [yv, responses] = flatten(y, this.n, "y");
    this.y = yv;
    this.responses = responses;
    this.givenDy = dy !== undefined;
    if (dy === undefined) this.dy = new Float64Array(yv.length).fill(1);
    else if (typeof dy === "number") this.dy = new Float64Array(yv.length).fill(dy);
    else {
      const [d, r] = flatten(dy, this.n, "dy");
      if (r !== responses) throw new RangeError(`Curve: dy has ${r} responses, y has ${responses}`);
      this.dy = d;
    }
    for (let i = 0; i < this.dy.length; i++) {
      if (!(this.dy[i] > 0) || !Number.isFinite(this.dy[i])) {
        throw new RangeError(`Curve: dy[${i}] = ${this.dy[i]}; uncertainties must be positive and finite`);
      }
    }
    this.xNumeric = numericX(x);
    const formals =
      options.names !== undefined
        ? [{ name: "x" }, ...options.names.map((name) => ({ name, initial: undefined }))]
        : formalParameters(fn);
    if (formals.length < 1) throw new Error("Curve: the model function needs x as its first parameter");
    this.names = formals.slice(1).map((f) => f.name);
    for (const key of Object.keys(initial)) {
      if (!this.names.includes(key))
        throw new Error(`Curve: initial value for "${key}", which is not a parameter of the function (${this.names.join(", ")})`);
    }
    formals.slice(1).forEach((f, j) => {
      const given = initial[f.name];
      const init = given ?? f.initial;
      if (init === undefined)
        throw new Error(
          `Curve: parameter "${f.name}" has no initial value; give a default in the function or in the initial record`,
        );
      this.ordered[j] = toParameter(init, f.name);
      // M.p.name = other replaces the parameter (and keeps the evaluation order in step).
      Object.defineProperty(this.p, f.name, {
        enumerable: true,
        get: () => this.ordered[j],
        set: (v: ParameterLike) => {
          this.ordered[j] = toParameter(v, f.name);
        },
      });
    });
    this.defineParameterProperties();
    this.vectorized = options.vectorized;
    this.jacobianFn = options.jacobian;
    this.partialFns = this.checkPartials(options);
    this.args = new Array<unknown>(this.names.length + 1);
    this.values = new Float64Array(this.names.length);
    this.fx = new Float64Array(this.y.length);
  }

  /** Remembers the first notebook variable this was declared as (the kernel calls it; see schema/display.ts). */
  [VARIABLE_NAME](name: string): void {
    if (this.variableName === undefined) this.variableName = name;
  }

  /** Every parameter of the model, in the order of the function's list. */
  parameters(): Parameter[] {
    return this.ordered.slice();
  }

  /** The parameter called `name` (throws a clear error for an unknown name). */
  parameter(name: string): Parameter {
    const p = this.p[name];
    if (p === undefined) throw new Error(`Curve has no parameter "${name}" (it has ${this.names.join(", ")})`);
    return p;
  }

  /** Number of points times responses. */
  pointCount(): number {
    return this.y.length;
  }

  /** Same as {@link pointCount}: one residual per measured value. */
  residualCount(): number {
    return this.y.length;
  }

  /** Whether dy was given. */
  hasUncertainties(): boolean {
    return this.givenDy;
  }

  /** The model values at the data's x (response-major), at the current parameter values. */
  theory(out: Float64Array = this.fx): Float64Array {
    this.loadArgs();
    const n = this.n;
    const k = this.responses;
    if (this.vectorized === undefined) this.vectorized = this.detectVectorized();
    if (this.vectorized) {
      this.args[0] = this.xNumeric ?? this.x;
      const result = (this.fn as (...a: unknown[]) => unknown).apply(undefined, this.args);
      copyVector(result, out, n, k, this.label());
    } else if (k === 1) {
      const bad = evaluatePoints(this.fn as (...a: unknown[]) => unknown, this.x, n, this.values, this.args, out);
      if (bad >= 0) {
        this.args[0] = this.x[bad];
        const v = (this.fn as (...a: unknown[]) => unknown).apply(undefined, this.args);
        throw new Error(`${this.label()}: the function must return a number per point, got ${describe(v)} at x[${bad}]`);
      }
    } else {
      const f = this.fn as (...a: unknown[]) => unknown;
      const args = this.args;
      const x = this.x;
      for (let i = 0; i < n; i++) {
        args[0] = x[i];
        const v = f.apply(undefined, args);
        if (typeof v === "number") {
          if (k !== 1) throw new Error(`${this.label()}: the function returned one number, but y has ${k} responses`);
          out[i] = v;
        } else {
          const a = v as ArrayLike<number>;
          if (a === null || typeof a !== "object" || a.length !== k) {
            throw new Error(
              `${this.label()}: the function must return a number${k > 1 ? ` or ${k} numbers` : ""} per point, got ${describe(v)} at x[${i}]`,
            );
          }
          for (let r = 0; r < k; r++) out[r * n + i] = a[r];
        }
      }
    }
    return out;
  }

  /** Residuals `(f(x) - y) / dy`. */
  residuals(out: Float64Array, offset: number): void {
    const fx = this.theory();
    const y = this.y;
    const dy = this.dy;
    // Without dy every dy is 1 and the division changes nothing.
    if (this.givenDy) for (let i = 0; i < fx.length; i++) out[offset + i] = (fx[i] - y[i]) / dy[i];
    else for (let i = 0; i < fx.length; i++) out[offset + i] = fx[i] - y[i];
  }

  /**
   * {@link nllf} from the residuals {@link residuals} wrote: they are its terms `(f(x) − y)/dy`
   * bit for bit (without dy the division by 1 is exact), summed in the same order.
   */
  nllfFromResiduals(residuals: Float64Array, offset: number): number | undefined {
    let s = 0;
    for (let i = 0; i < this.y.length; i++) {
      const r = residuals[offset + i];
      s += r * r;
    }
    return Number.isNaN(s) ? Infinity : 0.5 * s;
  }

  /** Half the sum of squared residuals (the Gaussian nllf without its constant). */
  nllf(): number {
    const fx = this.theory();
    let s = 0;
    for (let i = 0; i < fx.length; i++) {
      const r = (fx[i] - this.y[i]) / this.dy[i];
      s += r * r;
    }
    return Number.isNaN(s) ? Infinity : 0.5 * s;
  }

  /** Analytic Jacobian when the `jacobian` or `partials` option was given; false otherwise. */
  jacobian(out: Float64Array, offset: number, stride: number, column: Int32Array): boolean {
    if (this.partialFns !== undefined) return this.partialsInto(this.partialFns, out, offset, stride, column);
    if (this.jacobianFn === undefined || this.responses !== 1) return false;
    this.loadArgs();
    const np = this.names.length;
    const f = this.jacobianFn as (...a: unknown[]) => ArrayLike<number>;
    if (this.vectorized === undefined) this.vectorized = this.detectVectorized();
    if (this.vectorized) {
      this.args[0] = this.xNumeric ?? this.x;
      const g = f.apply(undefined, this.args);
      if (g.length !== this.n * np)
        throw new Error(`${this.label()}: jacobian returned ${g.length} values, expected ${this.n} × ${np}`);
      for (let i = 0; i < this.n; i++) {
        for (let k = 0; k < np; k++) if (column[k] >= 0) out[(offset + i) * stride + column[k]] = g[i * np + k] / this.dy[i];
      }
    } else {
      for (let i = 0; i < this.n; i++) {
        this.args[0] = this.x[i];
        const g = f.apply(undefined, this.args);
        if (g.length !== np) throw new Error(`${this.label()}: jacobian returned ${g.length} values at x[${i}], expected ${np}`);
        for (let k = 0; k < np; k++) if (column[k] >= 0) out[(offset + i) * stride + column[k]] = g[k] / this.dy[i];
      }
    }
    return true;
  }

  /** The `partials` option checked against the function's parameters, in their order. */
  private checkPartials(options: CurveOptions): ((...a: unknown[]) => number | ArrayLike<number>)[] | undefined {
    const given = options.partials;
    if (given === undefined) return undefined;
    if (options.jacobian !== undefined) throw new UserError("Curve: give either jacobian or partials, not both");
    if (this.responses !== 1) throw new UserError(`Curve: partials need a single response (y has ${this.responses})`);
    const unknown = Object.keys(given).filter((k) => !this.names.includes(k));
    if (unknown.length > 0)
      throw new UserError(
        `Curve: partials for ${unknown.join(", ")}, which the function does not take (${this.names.join(", ")})`,
      );
    const missing = this.names.filter((k) => typeof given[k] !== "function");
    if (missing.length > 0)
      throw new UserError(`Curve: partials has no function for ${missing.join(", ")}; give ∂f/∂p for every parameter`);
    return this.names.map((k) => given[k] as (...a: unknown[]) => number | ArrayLike<number>);
  }

  /** Fills the Jacobian's columns from one partial-derivative function per parameter. */
  private partialsInto(
    fns: ((...a: unknown[]) => number | ArrayLike<number>)[],
    out: Float64Array,
    offset: number,
    stride: number,
    column: Int32Array,
  ): boolean {
    this.loadArgs();
    if (this.vectorized === undefined) this.vectorized = this.detectVectorized();
    for (let k = 0; k < fns.length; k++) {
      const col = column[k];
      if (col < 0) continue;
      const name = this.names[k];
      if (this.vectorized) {
        this.args[0] = this.xNumeric ?? this.x;
        const g = fns[k].apply(undefined, this.args);
        if (typeof g === "number" || g.length !== this.n)
          throw new UserError(
            `${this.label()}: partials.${name} returned ${typeof g === "number" ? "one number" : `${g.length} values`}, expected one per point (${this.n})`,
          );
        for (let i = 0; i < this.n; i++) out[(offset + i) * stride + col] = g[i] / this.dy[i];
      } else {
        for (let i = 0; i < this.n; i++) {
          this.args[0] = this.x[i];
          const g = fns[k].apply(undefined, this.args);
          if (typeof g !== "number")
            throw new UserError(
              `${this.label()}: partials.${name} must return a number per point, got ${describe(g)} at x[${i}]`,
            );
          out[(offset + i) * stride + col] = g / this.dy[i];
        }
      }
    }
    return true;
  }

  /** Data, fit and a dense curve for the fit bundle. */
  bundle(): Omit<FitBundleModel, "name"> {
    const fx = Float64Array.from(this.theory());
    const res = new Float64Array(this.y.length);
    this.residuals(res, 0);
    return {
      kind: "curve",
      x: this.xNumeric ? Array.from(this.xNumeric) : null,
      y: split(this.y, this.n, this.responses),
      dy: split(this.dy, this.n, this.responses),
      fx: split(fx, this.n, this.responses, true),
      residuals: split(res, this.n, this.responses, true),
      curve: this.denseCurve(),
      hasUncertainties: this.givenDy,
    };
  }

  /** The grid of the dense curve: the data's x and evenly spaced points over their span (1-D numeric x only). */
  curveGrid(): { x: Float64Array; responses: number } | null {
    const xs = this.xNumeric;
    if (xs === undefined) return null;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of xs) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return { x: denseGrid(xs, lo, hi), responses: this.responses };
  }

  /** The model on a fine grid spanning the data (1-D numeric x only). */
  protected denseCurve(): FitBundleCurve | null {
    const grid = this.curveGrid();
    if (grid === null) return null;
    const gx = grid.x;
    const k = this.responses;
    const out = new Float64Array(gx.length * k);
    try {
      this.evaluateAt(gx, out);
    } catch {
      return null;
    }
    return { x: Array.from(gx), y: split(out, gx.length, k, true) };
  }

  /** Evaluates the model at other abscissae `xs` (1-D), response-major into `out`. */
  evaluateAt(xs: Float64Array, out: Float64Array = new Float64Array(xs.length * this.responses)): Float64Array {
    this.loadArgs();
    const m = xs.length;
    const k = this.responses;
    if (this.vectorized === undefined) this.vectorized = this.detectVectorized();
    const f = this.fn as (...a: unknown[]) => unknown;
    if (this.vectorized) {
      this.args[0] = xs;
      copyVector(f.apply(undefined, this.args), out, m, k, this.label());
    } else {
      // Direct calls while the function returns numbers; the general loop from the first point
      // that does not (several responses, or a bad value).
      const first = k === 1 ? evaluatePoints(f, xs, m, this.values, this.args, out) : 0;
      if (first >= 0) this.loadArgs();
      for (let i = first < 0 ? m : first; i < m; i++) {
        this.args[0] = xs[i];
        const v = f.apply(undefined, this.args);
        if (typeof v === "number") out[i] = v;
        else for (let r = 0; r < k; r++) out[r * m + i] = (v as ArrayLike<number>)[r];
      }
    }
    return out;
  }

  protected label(): string {
    return `Curve${this.name ? ` ${this.name}` : ""}`;
  }

  private loadArgs(): void {
    const ordered = this.ordered;
    for (let j = 0; j < ordered.length; j++) {
      const v = ordered[j].value;
      this.values[j] = v;
      this.args[j + 1] = v;
    }
  }

  private detectVectorized(): boolean {
    // A vectorised function maps the whole x to n (× responses) values; a per-point function
    // given an array returns NaN or throws.
    this.args[0] = this.xNumeric ?? this.x;
    try {
      const r = (this.fn as (...a: unknown[]) => unknown).apply(undefined, this.args);
      if (r === null || typeof r !== "object") return false;
      const a = r as ArrayLike<unknown>;
      if (a.length === this.n * this.responses && typeof a[0] === "number" && (this.n > 1 || this.responses === 1)) return true;
      if (a.length === this.responses && typeof a[0] === "object" && (a[0] as ArrayLike<number>).length === this.n) return true;
      return false;
    } catch {
      return false;
    }
  }

  private defineParameterProperties(): void {
    for (const name of this.names) {
      if (name in this) continue; // a name like "y" stays reachable through M.p.y / M.parameter("y")
      Object.defineProperty(this, name, {
        enumerable: true,
        get: () => this.p[name],
        set: (v: ParameterLike) => {
          this.p[name] = v as Parameter;
        },
      });
    }
  }
}

/** Property access to parameters by name: `M.m.range(0, 4)`. */
export type ParameterMap = { readonly [name: string]: Parameter };

/** A curve model with its parameters reachable as properties. */
export type Curve = CurveModel & ParameterMap;

/** Constructor type of {@link Curve}. */
export interface CurveConstructor {
  new (fn: CurveFunction, x: CurveX, y: CurveY, dy?: CurveY | number, initial?: CurveInitial, options?: CurveOptions): Curve;
  readonly prototype: CurveModel;
}

/**
 * `new Curve(fn, x, y, dy?, initial?, options?)`: a least-squares model.
 *
 * ```ts
 * const M = new Curve((x, m, b = 0) => m * x + b, x, y, dy, { m: 1 });
 * M.m.range(0, 4);
 * M.b.range(-5, 5);
 * ```
 * Parameters are fixed until given a range. `dy` defaults to 1 (then stderr is scaled by
 * sqrt(chisq)). The per-point and the vectorised calling forms are detected (or set
 * `options.vectorized`). For several responses per x, pass y (and dy) as one array per response
 * and return one number per response from `fn`.
 *
 * A parameter whose name is also a member of the curve (`x`, `y`, `dy`, `n`, `p`, `fn`, `name`,
 * `responses`, or a method name) is reachable only as `M.p.name` or `M.parameter("name")`.
 * The calling form is detected by calling `fn` once with the whole x: a per-point function
 * must tolerate that call (it normally returns NaN, or throws, which is caught).
 */
export const Curve = CurveModel as unknown as CurveConstructor;

/**
 * The data's abscissae merged with DENSE_POINTS + 1 evenly spaced ones over [lo, hi], sorted,
 * each value once (a typed-array sort and a merge: this runs for every fit result).
 */
function denseGrid(xs: Float64Array, lo: number, hi: number): Float64Array {
  const data = Float64Array.from(xs).sort();
  const even = hi > lo ? DENSE_POINTS + 1 : 0;
  const out = new Float64Array(data.length + even);
  let n = 0;
  let i = 0;
  let j = 0;
  while (i < data.length || j < even) {
    const e = j < even ? lo + ((hi - lo) * j) / DENSE_POINTS : Infinity;
    let v: number;
    if (i < data.length && data[i] <= e) v = data[i++];
    else {
      v = e;
      j++;
    }
    if (n === 0 || out[n - 1] !== v) out[n++] = v;
  }
  return out.subarray(0, n);
}

function flatten(y: CurveY, n: number, what: string): [Float64Array, number] {
  if (y.length === 0) throw new RangeError(`Curve: ${what} is empty`);
  const first = (y as ArrayLike<unknown>)[0];
  if (typeof first === "object" && first !== null) {
    const rows = y as ReadonlyArray<ArrayLike<number>>;
    const out = new Float64Array(rows.length * n);
    rows.forEach((row, r) => {
      if (row.length !== n) throw new RangeError(`Curve: ${what}[${r}] has ${row.length} values, x has ${n}`);
      for (let i = 0; i < n; i++) out[r * n + i] = toNumber(row[i], `${what}[${r}][${i}]`);
    });
    return [out, rows.length];
  }
  const flat = y as ArrayLike<number>;
  if (flat.length !== n) throw new RangeError(`Curve: ${what} has ${flat.length} values, x has ${n}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = toNumber(flat[i], `${what}[${i}]`);
  return [out, 1];
}

function toNumber(v: unknown, where: string): number {
  if (typeof v !== "number" || Number.isNaN(v)) throw new TypeError(`Curve: ${where} is ${String(v)}, not a number`);
  return v;
}

function numericX(x: CurveX): Float64Array | undefined {
  if (x instanceof Float64Array) return x;
  for (let i = 0; i < x.length; i++) if (typeof x[i] !== "number") return undefined;
  return Float64Array.from(x as ArrayLike<number>);
}

function copyVector(result: unknown, out: Float64Array, n: number, k: number, label: string): void {
  if (result === null || typeof result !== "object")
    throw new Error(`${label}: the vectorised function must return ${n * k} values, got ${describe(result)}`);
  const a = result as ArrayLike<unknown>;
  if (a.length === n * k && (typeof a[0] === "number" || a.length === 0)) {
    for (let i = 0; i < n * k; i++) out[i] = a[i] as number;
    return;
  }
  if (a.length === k && typeof a[0] === "object") {
    for (let r = 0; r < k; r++) {
      const row = a[r] as ArrayLike<number>;
      if (row.length !== n) throw new Error(`${label}: response ${r} has ${row.length} values, expected ${n}`);
      for (let i = 0; i < n; i++) out[r * n + i] = row[i];
    }
    return;
  }
  throw new Error(`${label}: the vectorised function returned ${a.length} values, expected ${n * k}`);
}

function split(v: Float64Array, n: number, k: number, nullable = false): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < k; r++) {
    const row: number[] = [];
    for (let i = 0; i < n; i++) {
      const x = v[r * n + i];
      row.push(nullable && !Number.isFinite(x) ? (null as unknown as number) : x);
    }
    out.push(row);
  }
  return out;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return `an object of length ${(v as ArrayLike<unknown>).length ?? "?"}`;
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- describes any value a user passed; the default form is what a message can say of an object
  return `${typeof v} ${String(v)}`;
}
