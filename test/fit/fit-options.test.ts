// fit() checks its options against the one fit options table before running: an unknown option
// is refused naming the closest valid one, an option of another method naming the methods that
// use it, a value out of range naming what it must be; the types refuse the same in the editor.
import { describe, expect, test } from "vitest";
import { Curve, FitProblem, fit, type FitOptions, type MethodOptions } from "hpcfit";

/** A line fit that counts its model's evaluations. */
function counted(): { problem: FitProblem; calls: () => number } {
  let calls = 0;
  const xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const M = new Curve(
    (x: number, a = 1, b = 0) => {
      calls++;
      return a * x + b;
    },
    xs,
    xs.map((x) => 2 * x + 1),
    0.2,
  );
  M.a.range(-10, 10);
  M.b.range(-10, 10);
  return { problem: new FitProblem(M), calls: () => calls };
}

describe("fit() refuses options it would not use, before running", () => {
  test("a misspelt option is refused naming the closest valid one, and the model is never evaluated", async () => {
    const { problem, calls } = counted();
    const error = await fit(problem, { method: "dream", smaples: 1 } as never).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error?.name).toBe("UserError");
    expect(error?.message).toBe('unknown fit option "smaples": did you mean `samples`?');
    expect(calls()).toBe(0);
  });

  test("an option of another method is refused naming the methods that use it", async () => {
    const { problem, calls } = counted();
    await expect(fit(problem, { method: "lm", samples: 5 } as never)).rejects.toThrow(
      /^fit option samples is not used by lm; it is used by dream$/,
    );
    await expect(fit(problem, { method: "amoeba", pop: 5 } as never)).rejects.toThrow(
      /^fit option pop is not used by amoeba; it is used by de, dream$/,
    );
    // Without a method the problem's default (lm here) judges.
    await expect(fit(problem, { particles: 5 } as never)).rejects.toThrow(
      /^fit option particles is not used by lm; it is used by smc$/,
    );
    expect(calls()).toBe(0);
  });

  test("integer options refuse fractions and every range is checked where fit() is called", async () => {
    const { problem, calls } = counted();
    await expect(fit(problem, { method: "dream", pop: 2.5 })).rejects.toThrow(
      /^option pop must be a positive integer, got 2\.5$/,
    );
    await expect(fit(problem, { method: "smc", particles: 0 })).rejects.toThrow(
      /^option particles must be a positive integer, got 0$/,
    );
    await expect(fit(problem, { method: "lm", diff: "sideways" as never })).rejects.toThrow(
      /^option diff must be one of "auto", "central", "forward", got "sideways"$/,
    );
    await expect(fit(problem, { method: "lm", factor: 0 })).rejects.toThrow(/^option factor must be a positive number, got 0$/);
    await expect(fit(problem, { seed: 1.5 })).rejects.toThrow(/^option seed must be a non-negative integer, got 1\.5$/);
    expect(calls()).toBe(0);
  });

  test("the same pop is a population factor for de, where 2.5 is fine", async () => {
    const { problem } = counted();
    const r = await fit(problem, { method: "de", pop: 2.5, steps: 5, seed: 1 });
    expect(r.method).toBe("de");
  });

  test("a sampler takes one start: more are refused saying why, before the model is evaluated", async () => {
    const { problem, calls } = counted();
    await expect(fit(problem, { method: "dream", starts: 3 })).rejects.toThrow(
      /^option starts must be 1, got 3: dream would keep one start's draws and throw the others' away; its population of chains is what several starts would be .*for more draws raise samples or pop$/,
    );
    await expect(fit(problem, { method: "smc", starts: 2, parallel: 2 })).rejects.toThrow(
      /^option starts must be 1, got 2: smc would keep one start's draws .*its particles are drawn from the priors whatever the start.*raise particles$/,
    );
    expect(calls()).toBe(0);
    const one = await fit(problem, { method: "dream", starts: 1, samples: 200, seed: 1 });
    expect(one.method).toBe("dream");
  });

  test("a misspelt method is refused naming the closest one", async () => {
    const { problem } = counted();
    await expect(fit(problem, { method: "drem" } as never)).rejects.toThrow(
      /unknown fit method "drem"; known methods: .*; did you mean "dream"\?$/,
    );
  });
});

describe("the types refuse what fit() refuses", () => {
  test("a misspelt option and an option of another method do not type-check (tsc -p tsconfig.test.json)", () => {
    const check = (_options: FitOptions): void => undefined;
    // @ts-expect-error: `smaples` is no fit option
    check({ method: "dream", smaples: 20000 });
    // @ts-expect-error: `samples` is DREAM's, not lm's
    check({ method: "lm", samples: 5 });
    // @ts-expect-error: DREAM's pop is a number, not text
    check({ method: "dream", pop: "20" });
    // @ts-expect-error: without a method only the options of both defaults (lm and amoeba) are allowed
    check({ gtol: 1e-6 });
    check({ method: "dream", samples: 20000, burn: 100, seed: 1, init: "lhs" });
    check({ method: "lm", gtol: 1e-6, diff: "central" });
    check({ steps: 100, ftol: 1e-8 });
    const dream: MethodOptions<"dream"> = { samples: 1, pop: 10 };
    expect(dream.samples).toBe(1);
  });
});
