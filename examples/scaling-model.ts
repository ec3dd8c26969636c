// A deliberately expensive model for the scaling study: the concentration of a substance that
// decays while it is produced, y' = k_in - k y, solved numerically with many small RK4 steps
// per data point (the kind of model whose cost per evaluation makes parallel evaluation pay).
// The step count comes from HPCFIT_SCALING_STEPS (default 2000), so the study can set the cost.
import { Curve, FitProblem } from "hpcfit";

const STEPS = Number(process.env.HPCFIT_SCALING_STEPS ?? 2000);

const t = Array.from({ length: 16 }, (_, i) => 0.5 * (i + 1));
const truth = (time: number): number => (2 / 0.6) * (1 - Math.exp(-0.6 * time));
const y = t.map((time, i) => truth(time) + 0.05 * Math.sin(7 * i));

/** y(t) for y(0) = 0, integrated with STEPS fourth-order Runge–Kutta steps. */
function concentration(time: number, kin = 1, k = 0.3): number {
  const h = time / STEPS;
  let c = 0;
  for (let s = 0; s < STEPS; s++) {
    const k1 = kin - k * c;
    const k2 = kin - k * (c + 0.5 * h * k1);
    const k3 = kin - k * (c + 0.5 * h * k2);
    const k4 = kin - k * (c + h * k3);
    c += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  return c;
}

export const M = new Curve(concentration, t, y, 0.05);
M.kin.range(0.1, 5);
M.k.range(0.05, 2);
export const problem = new FitProblem(M, { name: "decay" });
export default problem;
