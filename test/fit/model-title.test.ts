// Titles of models in the fit bundle (the plot's title): the model's name, else its notebook
// variable, else the problem's name or variable, else "model" — never an index like "M0".
import { describe, expect, test } from "vitest";
import { Curve, DISPLAY, FitProblem, Fitness, fit } from "hpcfit";
import { FIT_MIME, type FitBundle } from "../../schema/fit.js";
import { tellVariableName } from "../../schema/display.js";

const X = [1, 2, 3, 4, 5];
const Y = [2.1, 3.9, 6.2, 8.1, 9.8];

function curve(name?: string): InstanceType<typeof Curve> {
  const M = new Curve(
    (x: number, m = 1, b = 0) => m * x + b,
    X,
    Y,
    [0.1, 0.1, 0.1, 0.1, 0.1],
    {},
    name === undefined ? {} : { name },
  );
  M.m.range(0, 5);
  M.b.range(-5, 5);
  return M;
}

async function titles(problem: FitProblem): Promise<string[]> {
  const r = await fit(problem);
  return (r[DISPLAY]()[FIT_MIME] as FitBundle).models.map((m) => m.name);
}

describe("model titles", () => {
  test("an unnamed model in an unnamed problem is 'model'", async () => {
    expect(await titles(new FitProblem(curve()))).toEqual(["model"]);
  });

  test("the model's own name wins, then its variable's name", async () => {
    expect(await titles(new FitProblem(curve("line")))).toEqual(["line"]);
    const named = curve("line");
    tellVariableName(named, "M");
    expect(await titles(new FitProblem(named))).toEqual(["line"]);
    const peak = curve();
    tellVariableName(peak, "peak");
    // Only the first variable a value is declared as names it.
    tellVariableName(peak, "alias");
    expect(await titles(new FitProblem(peak, { name: "study" }))).toEqual(["peak"]);
  });

  test("an unnamed model takes the problem's name, else the problem's variable", async () => {
    expect(await titles(new FitProblem(curve(), { name: "calibration" }))).toEqual(["calibration"]);
    const problem = new FitProblem(curve());
    tellVariableName(problem, "gauss");
    expect(await titles(problem)).toEqual(["gauss"]);
  });

  test("several unnamed models are numbered from 1", async () => {
    const a = curve();
    const b = curve();
    const F = new Fitness({ parameters: { mu: 0 }, nllf: ({ mu }) => (mu - 1) ** 2, name: "prior" });
    F.p.mu.range(-5, 5);
    const problem = new FitProblem([a, b, F]);
    expect(problem.modelTitle(0)).toBe("model 1");
    expect(problem.modelTitle(1)).toBe("model 2");
    expect(problem.modelTitle(2)).toBe("prior");
    tellVariableName(b, "background");
    expect(problem.modelTitle(1)).toBe("background");
  });
});
