// A sampler's result says how long its build after the last generation took (the draws'
// statistics and diagnostics, the model at the best draw), so that the sampling's own time can be
// told from that fixed work, as it can from the model band's.
import { describe, expect, test } from "vitest";
import { fit } from "hpcfit";
import { Random } from "../../fit/random.js";
import { lineProblem, syntheticLine } from "./mcmc-fixtures/linear.js";

const data = syntheticLine(new Random(5));

describe("a sampler result's summary time", () => {
  test("DREAM and SMC results carry summarySeconds; an optimizer's does not", async () => {
    const dream = await fit(lineProblem(data), { method: "dream", samples: 2000, burn: 50, seed: 3 });
    const smc = await fit(lineProblem(data), { method: "smc", particles: 300, seed: 3 });
    const lm = await fit(lineProblem(data), { method: "lm" });
    for (const r of [dream, smc]) {
      expect(r.summarySeconds).toBeGreaterThan(0);
      expect(Number.isFinite(r.summarySeconds)).toBe(true);
    }
    expect(lm.summarySeconds).toBeUndefined();
  });
});
