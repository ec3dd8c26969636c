// The line fit y = m x + b of a data file named when it is run:
// `hpcfit fit examples/line-data.ts --data examples/line.dat --fit=lm`. A model file that takes
// its data exports a function of the data (what readData reads from the file) returning the problem.
import { Curve, FitProblem, type DataTable } from "hpcfit";

/** The fit problem of the columns x, y and dy of `data`. */
export default function lineProblem(data: DataTable): FitProblem {
  const M = new Curve(
    (x: number, m = 1, b = 0) => m * x + b,
    data.column("x"),
    data.column("y"),
    data.column("dy"),
    {},
    { name: "line" },
  );
  M.m.range(0, 4);
  M.b.range(-5, 5);
  return new FitProblem(M, { name: "line-data" });
}
