// The curvature lm learns from its own forward Jacobians (fit/optimizers/lm/curvature.ts): the
// second derivative along each parameter, the forward step that balances truncation against
// rounding, and when the steps are given out.
import { describe, expect, test } from "vitest";
import { ColumnCurvature } from "../../fit/optimizers/lm/curvature.js";

const T = Float64Array.from({ length: 30 }, (_, i) => i / 10);
const M = T.length;

/** f_i = a·(1 + t_i) + exp(−b·t_i) − 2: linear in a, curved along b. */
function residuals(a: number, b: number): Float64Array {
  return Float64Array.from(T, (t) => a * (1 + t) + Math.exp(-b * t) - 2);
}

/** The exact Jacobian at b (column-major: ∂f/∂a, then ∂f/∂b; neither depends on a). */
function jacobian(b: number): Float64Array {
  const J = new Float64Array(2 * M);
  T.forEach((t, i) => {
    J[i] = 1 + t;
    J[M + i] = -t * Math.exp(-b * t);
  });
  return J;
}

/** Feeds Jacobians along `points`; each step after the first reduces ‖f‖² by `reduction` at `rate`. */
function learnAlong(points: [number, number][], reduction = 1e-6, rate = 0.1): ColumnCurvature {
  const c = new ColumnCurvature(2, M, Float64Array.from(points[0]));
  for (const [a, b] of points) c.learn(Float64Array.of(a, b), jacobian(b), residuals(a, b), reduction, rate);
  return c;
}

/**
 * The step for b at (a, b) that balances truncation against rounding: in the column,
 * 2√(η/‖∂²f/∂b²‖) with η = ε‖|f| + |J_a a| + |J_b b|‖, or where shorter in the gradient,
 * √(2R/|fᵀ∂²f/∂b²|) with R = 2ε‖(|f| + |J_a a| + |J_b b|)·f‖.
 */
function balancedStepB(a: number, b: number): number {
  const f = residuals(a, b);
  const J = jacobian(b);
  let noise2 = 0;
  let weighted2 = 0;
  let curv2 = 0;
  let alongF = 0;
  T.forEach((t, i) => {
    const size = Math.abs(f[i]) + Math.abs(J[i] * a) + Math.abs(J[M + i] * b);
    const second = t * t * Math.exp(-b * t);
    noise2 += size * size;
    weighted2 += size * size * f[i] * f[i];
    curv2 += second * second;
    alongF += second * f[i];
  });
  const forColumn = 2 * Math.sqrt((Number.EPSILON * Math.sqrt(noise2)) / Math.sqrt(curv2));
  const forGradient = Math.sqrt((4 * Number.EPSILON * Math.sqrt(weighted2)) / Math.abs(alongF));
  return Math.min(forColumn, forGradient);
}

describe("lm's learned forward steps", () => {
  // Steps of 1e-3 relative, shrinking: the end game.
  const path: [number, number][] = [
    [1.0, 0.5],
    [1.001, 0.5004],
    [1.0012, 0.50055],
    [1.00125, 0.50058],
  ];

  test("a parameter the model is linear in gets the longest step, a curved one the balanced step", () => {
    const c = learnAlong(path);
    const [a, b] = path.at(-1)!;
    // No curvature along a: rounding alone, which the longest learned step (100 × √ε) removes.
    expect(c.steps[0] / a).toBeCloseTo(1.5e-6, 12);
    expect(c.steps[1] / balancedStepB(a, b)).toBeGreaterThan(0.95);
    expect(c.steps[1] / balancedStepB(a, b)).toBeLessThan(1.05);
  });

  test("the errors of the Jacobian in hand: no truncation along a linear parameter, some along a curved one", () => {
    const c = learnAlong(path);
    expect(Math.abs(c.gradientErrors().truncation[0])).toBeLessThan(1e-12 * Math.abs(c.gradientErrors().truncation[1]));
    expect(Math.abs(c.gradientErrors().truncation[1])).toBeGreaterThan(0);
    expect(c.gradientErrors().rounding[0]).toBeGreaterThan(0);
    expect(c.gradientErrors().rounding[1]).toBeGreaterThan(0);
  });

  test("before the end game nothing is given out: steps that still reduce ‖f‖², or do not shrink, or are long", () => {
    expect(Array.from(learnAlong(path, 1e-2).steps)).toEqual([NaN, NaN]);
    expect(Array.from(learnAlong(path, 1e-6, 0.9).steps)).toEqual([NaN, NaN]);
    const long: [number, number][] = [
      [1.0, 0.5],
      [1.1, 0.6],
      [1.15, 0.65],
    ];
    expect(Array.from(learnAlong(long).steps)).toEqual([NaN, NaN]);
    // ...while their curvature is already learned: the errors are known.
    expect(learnAlong(long).gradientErrors().rounding[1]).toBeGreaterThan(0);
  });

  test("a parameter that has not moved keeps the textbook step", () => {
    const still: [number, number][] = [
      [1.0, 0.5],
      [1.0, 0.5004],
      [1.0, 0.50055],
    ];
    const c = learnAlong(still);
    expect(c.steps[0]).toBeNaN();
    expect(c.gradientErrors().rounding[0]).toBeNaN();
    expect(c.steps[1]).toBeGreaterThan(0);
  });

  test("forget() returns every column to the textbook step, for good", () => {
    const c = learnAlong(path);
    c.forget();
    expect(Array.from(c.steps)).toEqual([NaN, NaN]);
    const [a, b] = path.at(-1)!;
    c.learn(Float64Array.of(a, b * 1.0001), jacobian(b * 1.0001), residuals(a, b * 1.0001), 1e-6, 0.1);
    expect(Array.from(c.steps)).toEqual([NaN, NaN]);
  });
});
