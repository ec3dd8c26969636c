// The line fit y = m x + b with uncertainties: run it with `hpcfit fit examples/curve.ts --fit=lm`
// or import `problem` in a notebook. The points stay in this file so that it runs anywhere on its
// own: a %%fit job (or the Jobs panel's form) runs a copy of the model in the job's directory, where
// no data file follows it. examples/line-data.ts fits the same points read from line.dat.
import { Curve, FitProblem } from "hpcfit";

const x = [1, 2, 3, 4, 5, 6];
const y = [2.1, 4.0, 6.3, 8.03, 9.6, 11.9];
const dy = [0.05, 0.05, 0.2, 0.05, 0.2, 0.2];

/** The model: parameter names and initial values come from the function itself. */
export const M = new Curve((x: number, m = 1, b = 0) => m * x + b, x, y, dy, {}, { name: "line" });
M.m.range(0, 4);
M.b.range(-5, 5);

/** The fit problem (the CLI looks for this export). */
export const problem = new FitProblem(M, { name: "curve" });
export default problem;
