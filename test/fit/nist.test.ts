// NIST StRD nonlinear regression: every problem from both starts with method "lm" and default
// options must match the certified values to 6 significant digits and the certified standard
// deviations to 4.
//
// Lanczos1 is built with residuals formed in double-double precision (`precise`): its certified
// residuals (~1e-13) are as small as the rounding errors of evaluating the model, and of the data
// themselves, in double precision, so with plain double residuals its RSS — and the certified
// standard deviations, which scale with sqrt(RSS) — agree to only about 3 digits whatever the
// optimizer does (bench/RESULTS.md lists that run too). Every other problem uses the plain
// per-point Curve of nist/models.ts.
import { describe, expect, test } from "vitest";
import { fit } from "hpcfit";
import { nistProblem } from "../../nist/index.js";
import { countEvaluations } from "../support/count-evaluations.js";
import { digits, loadNist, nistIndex } from "../support/nist.js";

const VALUE_DIGITS = 6;
const SD_DIGITS = 4;

// Default options, and central differences throughout (the default switches from forward to
// central differences near the optimum; the answer must not hinge on that switch).
describe.each([
  ["default options", {}],
  ['diff: "central"', { diff: "central" }],
] as const)("NIST StRD with lm, %s", (_, extra) => {
  for (const entry of nistIndex()) {
    for (const start of [1, 2] as const) {
      test(`${entry.name} start ${start}`, async () => {
        const data = loadNist(entry.name);
        const problem = nistProblem(data, start, undefined, { precise: data.name === "Lanczos1" });
        const result = await fit(problem, { method: "lm", ...extra });
        const valueDigits = data.names.map((_, j) => digits(result.x[j], data.certified[j]));
        const sdDigits = data.names.map((_, j) => digits(result.parameters[j].stderr, data.certifiedSd[j]));
        const rss = result.chisq * result.dof;
        const info = `${entry.name} s${start}: values ${valueDigits.map((d) => d.toFixed(1)).join(" ")} | sd ${sdDigits
          .map((d) => d.toFixed(1))
          .join(" ")} | rss ${rss} vs ${data.rss} | ${result.evaluations} evals | ${result.message}`;
        expect(Math.min(...valueDigits), info).toBeGreaterThanOrEqual(VALUE_DIGITS);
        expect(Math.min(...sdDigits), info).toBeGreaterThanOrEqual(SD_DIGITS);
        if (data.name === "Lanczos1") expect(rss).toBeLessThan(1e-20);
        else expect(digits(rss, data.rss), info).toBeGreaterThanOrEqual(VALUE_DIGITS);
        expect(result.converged, info).toBe(true);
      });
    }
  }
});

describe("double-double residuals of the precise Lanczos model", () => {
  test("exp and decimal parsing carry ~30 digits", async () => {
    const { ddExp, ddParse, ddAdd, dd } = await import("../../nist/double-double.js");
    // e = 2.718281828459045 + 1.4456468917292502e-16 (the next 16 digits of e).
    const e = ddExp(dd(1));
    expect(e.hi).toBe(Math.E);
    expect(e.lo).toBeCloseTo(1.4456468917292502e-16, 30);
    // exp(a) exp(−a) = 1 to double-double accuracy.
    const a = ddExp(dd(-5.75));
    const b = ddExp(dd(5.75));
    const { ddMul } = await import("../../nist/double-double.js");
    const p = ddMul(a, b);
    expect(Math.abs(ddAdd(p, dd(-1)).hi)).toBeLessThan(1e-30);
    // 0.05 = 0.05000000000000000277 (double) − 2.7755575615628914e-18.
    const x = ddParse("5.000000000000E-02");
    expect(x.hi).toBe(0.05);
    // eslint-disable-next-line no-loss-of-precision -- certified values as NIST publishes them, digits beyond a double included
    expect(x.lo).toBeCloseTo(-2.7755575615628914e-18, 32);
  });
});

describe("lm's geodesic acceleration option", () => {
  for (const [name, start] of [
    ["MGH17", 1],
    ["Bennett5", 2],
  ] as const) {
    test(`${name} start ${start}: certified digits with fewer evaluations than without it`, async () => {
      const data = loadNist(name);
      // Acceleration measures every Jacobian: compared with the plain run that does too.
      const plain = await fit(nistProblem(data, start), { method: "lm", jacobian: "full" });
      const accel = await fit(nistProblem(data, start), { method: "lm", accel: true });
      for (let j = 0; j < data.names.length; j++) {
        expect(digits(accel.x[j], data.certified[j])).toBeGreaterThanOrEqual(VALUE_DIGITS);
        expect(digits(accel.parameters[j].stderr, data.certifiedSd[j])).toBeGreaterThanOrEqual(SD_DIGITS);
      }
      expect(accel.evaluations).toBeLessThan(plain.evaluations);
    });
  }
});

// Evaluation counts of a few runs, pinned so that a change in lm's evaluation budget shows.
// `evaluations` is the method's own count; `calls` counts every model evaluation of the fit, by
// residuals or nllf: the error bars reuse lm's last Jacobian when it was taken at the optimum, the
// result's chisq and nllf are read off lm's last residuals (a Curve's nllf is half their sum of
// squares), and lm takes the residuals that fit() evaluated to check the start as its own first
// evaluation, so the two are equal. `minpack` is the number of residual
// calls of scipy's least_squares(method="lm") (MINPACK) from the same start, counted the same way
// by bench/nist-speed.mjs (scipy 1.17.1; its own evaluation at the start and its final Jacobian
// included); where given, lm must need no more. Misra1c start 2 pins the end on the Gauss–Newton
// step from the Jacobian measured at the end for the error bars, taken without evaluating it
// (lm's closingPolish; without it the answer has 7.3 digits instead of 8.3), Nelson start 2 the
// step test's distrust of a rate below the square of the last one (58 evaluations when it trusts
// it); Roszman1 start 1 and Kirby2 start 1 an end game on the steps learned from the run's
// curvature (curvature.ts), whose error, as learned, leaves the answer within BIAS_TOL without
// central differences (29 and 52 evaluations with the textbook steps and their √ε bound), and
// Chwirut1 start 2 its more accurate Jacobians (28 evaluations with the textbook steps);
// Roszman1 start 2 the central phase that begins at the point where the forward Jacobian's step
// would have ended the run, that Jacobian serving the columns that stay forward (a run too short
// for its end game to reach learned steps); Hahn1 the central end game after a forward phase that
// ends on MINPACK's ftol test;
// Lanczos2 start 2 the end on an unevaluated step that still reduces ‖f‖² by 4e-4 relative, the
// residuals being nearly zero (74 evaluations when such a step could reduce it by at most 1e-4),
// and ENSO the central phase's end on a step taken unevaluated;
// Misra1c start 1 a rejected step whose point the shrunk trust region still holds (not evaluated twice);
// Rat42 start 1 and Lanczos1 start 2 the end before a trial point when the Gauss–Newton step from
// the Jacobian just measured lands within the step test's tolerance (the step taken unevaluated);
// BoxBOD start 2 the
// extrapolation of linearly converging parallel steps (34 evaluations without it);
// Bennett5 start 2, MGH10 start 2, MGH17 start 1 and Lanczos3 start 1 the secant (Broyden) updates
// that take over the Jacobian after 40 iterations; Misra1a start 1, Misra1c start 1 and ENSO start 1
// the line search that shortens a step only where it turns back on the last one, MGH17 start 1 the
// one that extends a step only where the trial did not beat the Gauss–Newton model by more than 1%
// (911 evaluations without that condition).
describe("lm's evaluation counts on NIST problems", () => {
  for (const [name, start, evaluations, calls, minpack] of [
    ["Misra1a", 1, 55, 55, undefined],
    ["Misra1a", 2, 12, 12, 16],
    ["Misra1d", 1, 15, 15, 22],
    ["Gauss1", 1, 36, 36, 45],
    ["Gauss2", 1, 45, 45, 54],
    ["ENSO", 1, 230, 230, undefined],
    ["Bennett5", 2, 424, 424, 785],
    ["MGH10", 2, 324, 324, 478],
    ["MGH17", 1, 909, 909, 2835],
    ["Lanczos3", 1, 419, 419, 546],
    ["Roszman1", 1, 25, 25, 25],
    ["Roszman1", 2, 22, 22, undefined],
    ["Kirby2", 1, 48, 48, 49],
    ["Chwirut1", 2, 24, 24, 24],
    ["Nelson", 2, 56, 56, 56],
    ["Misra1c", 2, 12, 12, 15],
    ["Hahn1", 1, 102, 102, 218],
    ["Lanczos2", 2, 51, 51, 64],
    ["Misra1c", 1, 16, 16, 22],
    ["Rat42", 1, 37, 37, 37],
    ["Lanczos1", 2, 63, 63, 63],
    ["BoxBOD", 2, 24, 24, 27],
  ] as const) {
    test(`${name} start ${start}: ${evaluations} evaluations, ${calls} model evaluations in all`, async () => {
      const problem = nistProblem(loadNist(name), start);
      const count = countEvaluations(problem);
      const result = await fit(problem, { method: "lm" });
      expect(result.converged).toBe(true);
      expect(result.evaluations).toBe(evaluations);
      expect(count()).toBe(calls);
      if (minpack !== undefined) expect(count()).toBeLessThanOrEqual(minpack);
    });
  }
});

// From a start where Chwirut2's exponential has died out (the third of the eight starts
// bench/lm-multistart.mjs draws with seed 1), the sum of squares sits on a plateau where every
// correction of the forward Jacobian along the direction of largest bias tilts the next step anew:
// the central phase must still end (at xtol here) instead of running to the step limit, as it did
// when it corrected Jacobians without bound (9,449 evaluations).
test("lm from a degenerate Chwirut2 start ends its central phase: 1,114 evaluations, not the step limit", async () => {
  const problem = nistProblem(loadNist("Chwirut2"), 1);
  problem.setValues(Float64Array.of(-1.3446253145242664, 0.9682671644958284, -0.8410453782013912));
  const result = await fit(problem, { method: "lm" });
  expect(result.message).toMatch(/xtol/);
  expect(result.evaluations).toBe(1114);
});
