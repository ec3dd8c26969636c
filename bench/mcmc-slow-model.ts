// A model that costs about 1 ms per evaluation (a numerically integrated peak), for the parallel
// speedup benchmark. Workers load this file.
import { Curve, FitProblem } from "hpcfit";

const x = Array.from({ length: 20 }, (_, i) => -3 + (6 * i) / 19);
const y = x.map((v) => 2 * Math.exp(-0.5 * ((v - 0.2) / 0.7) ** 2) + 0.3);

/** Inner steps per data point, tuned so one evaluation costs about 1 ms on the benchmark machine. */
const STEPS = Number(process.env.HPCFIT_BENCH_STEPS ?? 4000);

// The peak convolved with a narrow resolution function, integrated by the midpoint rule.
const model = (x: number, A = 1.5, mu = 0, sigma = 1, bg = 0): number => {
  let s = 0;
  const h = 0.2 / STEPS;
  for (let k = 0; k < STEPS; k++) {
    const u = -0.1 + (k + 0.5) * h;
    s += Math.exp(-0.5 * ((x - u - mu) / sigma) ** 2) * h;
  }
  return (A * s) / 0.2 + bg;
};
const M = new Curve(model, x, y, 0.05);
M.A.range(0, 5);
M.mu.range(-1, 1);
M.sigma.range(0.2, 2);
M.bg.range(-1, 1);
export const problem = new FitProblem(M);
export default problem;
