// The line fit y = m x + b with uncertainties, of the six points in line.dat beside this file: run
// it with `hpcfit fit examples/curve.ts --fit=lm`, import `problem` in a notebook, or send it to the
// cluster from the Jobs panel's "New fit job" form (the job takes line.dat along).
// examples/line-data.ts fits the same file, named on the command line instead.
import { Curve, FitProblem, readData } from "hpcfit";

const { x, y, dy } = await readData(new URL("line.dat", import.meta.url), { x: "x", y: "y", dy: "dy" });

/** The model: parameter names and initial values come from the function itself. */
export const M = new Curve((x: number, m = 1, b = 0) => m * x + b, x, y, dy, {}, { name: "line" });
M.m.range(0, 4);
M.b.range(-5, 5);

/** The fit problem (the CLI looks for this export). */
export const problem = new FitProblem(M, { name: "curve" });
export default problem;
