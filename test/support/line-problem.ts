/**
 * The line fit y = m x + b of `examples/curve.ts`, as a fresh problem for each test that fits it
 * (a fit moves its parameters, so tests never share one).
 */
import { Curve, FitProblem } from "hpcfit";

/** The line fit of examples/curve.ts (and of the example notebooks): six points, m in [0, 4], b in [-5, 5]. */
export function lineProblem(): FitProblem {
  const M = new Curve(
    (x: number, m = 1, b = 0) => m * x + b,
    [1, 2, 3, 4, 5, 6],
    [2.1, 4.0, 6.3, 8.03, 9.6, 11.9],
    [0.05, 0.05, 0.2, 0.05, 0.2, 0.2],
    {},
    { name: "line" },
  );
  M.m.range(0, 4);
  M.b.range(-5, 5);
  return new FitProblem(M, { name: "curve" });
}
