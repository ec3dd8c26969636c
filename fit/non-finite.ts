/**
 * Non-finite model values (NaN, ±Infinity) met during a fit: methods reject such points and note
 * the last one here, so that when a fit ends because of them it can say where and which model.
 */
import type { Problem } from "./types.js";
import { UserError } from "../util/user-error.js";

/** What was not finite at a noted point. */
export type NonFiniteKind = "residuals" | "Jacobian" | "nllf";

/**
 * The non-finite evaluations of one method run: how many, and the last point where one happened.
 * Noting a point copies it into a buffer allocated once, so methods can call it in their loops.
 */
export class NonFiniteLog {
  /** Non-finite evaluations noted so far. */
  count = 0;
  /** What was not finite at {@link point}. */
  kind: NonFiniteKind = "nllf";
  /** The value that was not finite (the first one met at {@link point}). */
  value = NaN;
  /** The last point (problem space) where an evaluation was not finite; valid when count > 0. */
  readonly point: Float64Array;

  /** A log for points of `n` parameters. */
  constructor(n: number) {
    this.point = new Float64Array(n);
  }

  /** Notes that `kind` was `value` (not finite) at the problem-space point `x`. */
  note(kind: NonFiniteKind, x: ArrayLike<number>, value: number): void {
    this.count++;
    this.kind = kind;
    this.value = value;
    for (let i = 0; i < this.point.length; i++) this.point[i] = x[i];
  }

  /**
   * One sentence on the last noted point: the problem's own diagnosis there (which model, which
   * data point, the parameter values) when it has one, else the values themselves. Evaluates the
   * model once at that point; the problem is left there.
   */
  describe(problem: Problem): string {
    if (this.count === 0) return "no non-finite value was met";
    return describeNonFinite(problem, this.point, this.kind, this.value);
  }
}

/** The first non-finite entry of `values[0..length)`, or -1 when all are finite. */
export function firstNonFinite(values: ArrayLike<number>, length = values.length): number {
  for (let i = 0; i < length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** `a = 1, b = 0.3` for the problem's labels and the values `x`. */
export function describeValues(problem: Problem, x: ArrayLike<number>): string {
  const labels = problem.labels();
  return labels.map((label, j) => `${label} = ${x[j]}`).join(", ");
}

/**
 * Why `kind` was not finite at `x`: the problem's diagnosis (model, data point, values) when it
 * gives one, else `kind = value with a = …, b = …`. Leaves the problem at `x`.
 */
export function describeNonFinite(problem: Problem, x: ArrayLike<number>, kind: NonFiniteKind, value: number): string {
  problem.setValues(x);
  let why: string | undefined;
  try {
    why = problem.diagnose?.();
  } catch (error) {
    why = `the model throws there (${error instanceof Error ? error.message : String(error)}) with ${describeValues(problem, x)}`;
  }
  if (why !== undefined) return why;
  const what = kind === "Jacobian" ? "the Jacobian has an entry" : kind === "residuals" ? "a residual is" : "the nllf is";
  return `${what} ${value} with ${describeValues(problem, x)}`;
}

/**
 * A fit that could find no finite point to move to: every trial near the start gave NaN or
 * ±Infinity. The message names the parameter values and the model that gave the value.
 */
export class NonFiniteError extends UserError {
  /** The method that gave up. */
  readonly method: string;
  /** The last point where the model was not finite, by parameter name. */
  readonly values: Record<string, number>;

  /**
   * @param method the method's name
   * @param message what happened, including the diagnosis
   * @param labels the fitted parameters' names
   * @param point the last point where the model was not finite
   */
  constructor(method: string, message: string, labels: string[], point: ArrayLike<number>) {
    super(message);
    this.name = "NonFiniteError";
    this.method = method;
    this.values = Object.fromEntries(labels.map((label, j) => [label, point[j]]));
  }
}

/**
 * The error a method throws when non-finite values left it no finite point to move to from its
 * start (`log` holds the last such point).
 */
export function nothingFinite(method: string, problem: Problem, log: NonFiniteLog, tried: string): NonFiniteError {
  const why = log.describe(problem);
  return new NonFiniteError(
    method,
    `${method}: the model is not finite at any point ${tried} (${log.count} trial point${log.count === 1 ? "" : "s"} rejected); last: ${why}`,
    problem.labels(),
    log.point,
  );
}

/**
 * The note a method adds to its message when it rejected non-finite points during an otherwise
 * ordinary run (empty when it met none).
 */
export function rejectedNote(problem: Problem, log: NonFiniteLog): string {
  if (log.count === 0) return "";
  return `; ${log.count} trial point${log.count === 1 ? "" : "s"} where the model was not finite ${log.count === 1 ? "was" : "were"} rejected (last: ${log.describe(problem)})`;
}
