/**
 * The model functions of the 27 NIST StRD nonlinear regression problems (formulas from the
 * `.dat` files, public domain), written in hpcfit's per-point Curve form `(x, b1, b2, ...) => y`.
 * Nelson's predictor is the pair [x1, x2] and its response is log(y).
 */
import { Curve } from "../fit/curve.js";
import { FitProblem } from "../fit/problem.js";
import type { NistDataset } from "./parse.js";
import { PreciseLanczos } from "./precise-lanczos.js";

type Model = (x: never, ...b: number[]) => number;

const { exp, cos, sin, atan, PI, pow, log } = Math;
const gauss3 = (
  x: number,
  b1: number,
  b2: number,
  b3: number,
  b4: number,
  b5: number,
  b6: number,
  b7: number,
  b8: number,
): number => b1 * exp(-b2 * x) + b3 * exp(-((x - b4) ** 2) / b5 ** 2) + b6 * exp(-((x - b7) ** 2) / b8 ** 2);
const lanczos = (x: number, b1: number, b2: number, b3: number, b4: number, b5: number, b6: number): number =>
  b1 * exp(-b2 * x) + b3 * exp(-b4 * x) + b5 * exp(-b6 * x);
const cubicRatio = (x: number, b1: number, b2: number, b3: number, b4: number, b5: number, b6: number, b7: number): number =>
  (b1 + b2 * x + b3 * x ** 2 + b4 * x ** 3) / (1 + b5 * x + b6 * x ** 2 + b7 * x ** 3);

/** Model function of each NIST problem by name. */
export const NIST_MODELS: Record<string, Model> = {
  Bennett5: (x: number, b1: number, b2: number, b3: number) => b1 * pow(b2 + x, -1 / b3),
  BoxBOD: (x: number, b1: number, b2: number) => b1 * (1 - exp(-b2 * x)),
  Chwirut1: (x: number, b1: number, b2: number, b3: number) => exp(-b1 * x) / (b2 + b3 * x),
  Chwirut2: (x: number, b1: number, b2: number, b3: number) => exp(-b1 * x) / (b2 + b3 * x),
  DanWood: (x: number, b1: number, b2: number) => b1 * pow(x, b2),
  ENSO: (x: number, b1: number, b2: number, b3: number, b4: number, b5: number, b6: number, b7: number, b8: number, b9: number) =>
    b1 +
    b2 * cos((2 * PI * x) / 12) +
    b3 * sin((2 * PI * x) / 12) +
    b5 * cos((2 * PI * x) / b4) +
    b6 * sin((2 * PI * x) / b4) +
    b8 * cos((2 * PI * x) / b7) +
    b9 * sin((2 * PI * x) / b7),
  Eckerle4: (x: number, b1: number, b2: number, b3: number) => (b1 / b2) * exp(-0.5 * ((x - b3) / b2) ** 2),
  Gauss1: gauss3,
  Gauss2: gauss3,
  Gauss3: gauss3,
  Hahn1: cubicRatio,
  Kirby2: (x: number, b1: number, b2: number, b3: number, b4: number, b5: number) =>
    (b1 + b2 * x + b3 * x ** 2) / (1 + b4 * x + b5 * x ** 2),
  Lanczos1: lanczos,
  Lanczos2: lanczos,
  Lanczos3: lanczos,
  MGH09: (x: number, b1: number, b2: number, b3: number, b4: number) => (b1 * (x ** 2 + x * b2)) / (x ** 2 + x * b3 + b4),
  MGH10: (x: number, b1: number, b2: number, b3: number) => b1 * exp(b2 / (x + b3)),
  MGH17: (x: number, b1: number, b2: number, b3: number, b4: number, b5: number) => b1 + b2 * exp(-x * b4) + b3 * exp(-x * b5),
  Misra1a: (x: number, b1: number, b2: number) => b1 * (1 - exp(-b2 * x)),
  Misra1b: (x: number, b1: number, b2: number) => b1 * (1 - (1 + (b2 * x) / 2) ** -2),
  Misra1c: (x: number, b1: number, b2: number) => b1 * (1 - (1 + 2 * b2 * x) ** -0.5),
  Misra1d: (x: number, b1: number, b2: number) => (b1 * b2 * x) / (1 + b2 * x),
  Nelson: (x: ArrayLike<number>, b1: number, b2: number, b3: number) => b1 - b2 * x[0] * exp(-b3 * x[1]),
  Rat42: (x: number, b1: number, b2: number, b3: number) => b1 / (1 + exp(b2 - b3 * x)),
  Rat43: (x: number, b1: number, b2: number, b3: number, b4: number) => b1 / pow(1 + exp(b2 - b3 * x), 1 / b4),
  Roszman1: (x: number, b1: number, b2: number, b3: number, b4: number) => b1 - b2 * x - atan(b3 / (x - b4)) / PI,
  Thurber: cubicRatio,
};

/** Options of {@link nistProblem}. */
export interface NistProblemOptions {
  /**
   * Form the residuals of the Lanczos problems in double-double precision from the data's decimal
   * text (see precise-lanczos.ts); needed to reproduce Lanczos1's certified standard deviations,
   * whose residuals (~1e-13) are at the rounding level of a double evaluation. Default false.
   */
  precise?: boolean;
}

/**
 * A FitProblem for a NIST dataset from start 1 or 2: a per-point Curve with every parameter
 * free and unbounded (no dy: unit weights, so stderr = dx·sqrt(chisq) as NIST certifies).
 * `bounds(j)` may return [lo, hi] per parameter to bound them instead.
 */
export function nistProblem(
  data: NistDataset,
  start: 1 | 2,
  bounds?: (j: number) => [number, number],
  options: NistProblemOptions = {},
): FitProblem {
  if (options.precise && data.name.startsWith("Lanczos")) {
    const L = new PreciseLanczos(
      data.text.map((r) => r[1]),
      data.text.map((r) => r[0]),
      data.starts[start - 1],
      data.name,
    );
    L.p.forEach((p, j) => {
      if (bounds) p.range(...bounds(j));
      else p.fit();
    });
    return new FitProblem(L, { name: data.name });
  }
  const fn = NIST_MODELS[data.name];
  if (fn === undefined) throw new Error(`no NIST model called ${data.name}`);
  const init: Record<string, number> = {};
  data.names.forEach((b, j) => (init[b] = data.starts[start - 1][j]));
  let x: ArrayLike<number> | Float64Array[];
  let y: Float64Array = data.y;
  if (data.name === "Nelson") {
    x = Array.from(data.y, (_, i) => Float64Array.of(data.x[0][i], data.x[1][i]));
    y = data.y.map((v) => log(v));
  } else x = data.x[0];
  const M = new Curve(fn, x, y, undefined, init, { names: data.names, vectorized: false, name: data.name });
  data.names.forEach((b, j) => {
    const p = M.parameter(b);
    if (bounds) {
      const [lo, hi] = bounds(j);
      p.range(lo, hi);
    } else p.fit();
  });
  return new FitProblem(M, { name: data.name });
}
