// A fit that does not complete (the model throws, or the user stops it) leaves the problem's
// parameters at their starting values, or at the best point found with onFailure: "best", and
// says which.
import { describe, expect, test } from "vitest";
import { Curve, FitError, FitProblem, fit, type FitOptions } from "hpcfit";

const X = Array.from({ length: 20 }, (_, i) => i / 4);
const Y = X.map((t) => 3 * Math.exp(-0.7 * t) + 0.01 * Math.sin(7 * t));
const START = [1, 2];

// Each method's own budget; a method name from this table is a string, so the options are cast.
const METHODS: Record<string, object> = {
  lm: {},
  amoeba: {},
  newton: {},
  de: {},
  dream: { samples: 2000, burn: 100 },
  smc: { particles: 200 },
};

/** A decay fit from a = 1, b = 2 whose model throws at its `failAt`-th call. */
function problem(failAt = Infinity): { P: FitProblem; calls: () => number } {
  let calls = 0;
  const M = new Curve(
    (t: number[], a = 1, b = 2) => {
      if (++calls >= failAt) throw new Error("detector offline");
      return t.map((v) => a * Math.exp(-b * v));
    },
    X,
    Y,
    0.05,
  );
  M.a.range(0, 10);
  M.b.range(0, 5);
  return { P: new FitProblem(M), calls: () => calls };
}

/** Calls a fit of the same problem makes before it ends on its own. */
async function callsOfCompleteFit(method: string): Promise<number> {
  const { P, calls } = problem();
  await fit(P, { method, seed: 1, ...METHODS[method] } as FitOptions);
  return calls();
}

describe.each(Object.keys(METHODS))("%s", (method) => {
  /** Fits `P` with this method and its options (and `options`), aborting it through its signal at step 3. */
  function fitAbortedAtStep3(P: FitProblem, options: object = {}): ReturnType<typeof fit> {
    const abort = new AbortController();
    return fit(P, {
      method,
      seed: 1,
      ...METHODS[method],
      ...options,
      signal: abort.signal,
      monitor: (step) => (step >= 3 ? abort.abort() : undefined),
    } as FitOptions);
  }

  test("a model that throws mid-fit: the error says the parameters were restored, and they are", async () => {
    const failAt = Math.floor((await callsOfCompleteFit(method)) / 2);
    const { P } = problem(failAt);
    const error = await fit(P, { method, seed: 1, ...METHODS[method] } as FitOptions).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FitError);
    const e = error as FitError;
    expect((e.cause as Error).message).toBe("detector offline");
    expect(e.message).toMatch(/^detector offline\nthe parameters were restored to their starting values \(a = 1, b = 2\)/);
    expect(e.restored).toBe("start");
    expect(Array.from(P.getValues())).toEqual(START);
  });

  test('with onFailure: "best" a throwing model leaves the parameters at the best point found, and says so', async () => {
    const failAt = Math.floor((await callsOfCompleteFit(method)) / 2);
    const { P } = problem(failAt);
    const error = (await fit(P, { method, seed: 1, onFailure: "best", ...METHODS[method] } as FitOptions).catch(
      (e: unknown) => e,
    )) as FitError;
    expect(error).toBeInstanceOf(FitError);
    expect(error.restored).toBe("best");
    expect(error.message).toMatch(/the parameters were left at the best point found \(a = [0-9.e-]+, b = [0-9.e-]+\)/);
    const left = Array.from(P.getValues());
    expect(left).toEqual([error.values.a, error.values.b]);
    const reference = problem().P;
    expect(reference.nllf(left)).toBeLessThan(reference.nllf(START));
  });

  test("an aborted signal: the result holds the best point so far, the parameters are back at the start", async () => {
    const { P } = problem();
    const r = await fitAbortedAtStep3(P);
    expect(r.converged).toBe(false);
    expect(r.message).toMatch(
      /the parameters were restored to their starting values \(a = 1, b = 2\); onFailure: "best" leaves them at the best point found$/,
    );
    expect(Array.from(P.getValues())).toEqual(START);
    expect(Array.from(r.x)).not.toEqual(START);
    for (const v of P.getValues()) expect(Number.isFinite(v)).toBe(true);
  });

  test('an aborted signal with onFailure: "best" leaves the parameters at the result', async () => {
    const { P } = problem();
    const r = await fitAbortedAtStep3(P, { onFailure: "best" });
    expect(r.message).toMatch(/the parameters were left at the best point found/);
    expect(Array.from(P.getValues())).toEqual(Array.from(r.x));
  });
});

test("onFailure other than restore or best is refused by name", async () => {
  const { P } = problem();
  await expect(fit(P, { onFailure: "keep" as never })).rejects.toThrow(/onFailure must be "restore" or "best", got "keep"/);
  expect(Array.from(P.getValues())).toEqual(START);
});
