// A Gaussian peak on a background, as a model file that parallel workers load.
import { Curve, FitProblem } from "hpcfit";

const x = Array.from({ length: 40 }, (_, i) => -4 + (8 * i) / 39);
const y = x.map((v, i) => 3 * Math.exp(-0.5 * ((v - 0.3) / 0.8) ** 2) + 0.5 + 0.05 * Math.sin(7 * i));
/** A fresh problem (tests need independent instances). */
export function makeProblem(): FitProblem {
  const M = new Curve(
    (x: number, A = 2, mu = 0, sigma = 1, bg = 0) => A * Math.exp(-0.5 * ((x - mu) / sigma) ** 2) + bg,
    x,
    y,
    0.1,
  );
  M.A.range(0, 10);
  M.mu.range(-2, 2);
  M.sigma.range(0.1, 3);
  M.bg.range(-1, 2);
  return new FitProblem(M);
}
export const problem = makeProblem();
