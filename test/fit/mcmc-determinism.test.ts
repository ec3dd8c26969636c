// Same seed, same numbers, bit for bit: through fit() and directly, and whatever the evaluator.
import { describe, expect, test } from "vitest";
import { Random } from "../../fit/random.js";
import { runDream } from "../../fit/samplers/dream.js";
import { runSmc } from "../../fit/samplers/smc.js";
import { SerialEvaluator, type PopulationEvaluator } from "../../fit/samplers/evaluator.js";
import { lineProblem, syntheticLine } from "./mcmc-fixtures/linear.js";

const data = syntheticLine(new Random(5));

/** Evaluates in shuffled order and in chunks, as a pool of workers or remote nodes would. */
class ChunkedEvaluator implements PopulationEvaluator {
  constructor(
    private readonly inner: SerialEvaluator,
    private readonly chunk: number,
  ) {}
  async evaluatePopulation(points: Float64Array, count: number, out: Float64Array): Promise<void> {
    const tmp = new Float64Array(this.chunk);
    const starts: number[] = [];
    for (let s = 0; s < count; s += this.chunk) starts.push(s);
    for (const s of starts.reverse()) {
      const n = Math.min(this.chunk, count - s);
      await new Promise((r) => setTimeout(r, 0));
      await this.inner.evaluatePopulation(points.subarray(s * 2), n, tmp);
      out.set(tmp.subarray(0, n), s);
    }
  }
  async close(): Promise<void> {}
}

describe("determinism", () => {
  test("DREAM: same seed gives identical chains; another seed does not", async () => {
    const run = (seed: number, extra = {}) =>
      runDream(lineProblem(data), { samples: 2000, burn: 50, ...extra }, { rng: new Random(seed), report: () => true });
    const a = await run(3);
    const b = await run(3);
    const c = await run(4);
    const d = await run(3, { evaluator: new ChunkedEvaluator(new SerialEvaluator(lineProblem(data)), 7) });
    expect(Buffer.from(a.samples.points.buffer).equals(Buffer.from(b.samples.points.buffer))).toBe(true);
    expect(Buffer.from(a.samples.logp.buffer).equals(Buffer.from(b.samples.logp.buffer))).toBe(true);
    expect(Buffer.from(a.samples.points.buffer).equals(Buffer.from(d.samples.points.buffer))).toBe(true);
    expect(Buffer.from(a.samples.genLogp.buffer).equals(Buffer.from(d.samples.genLogp.buffer))).toBe(true);
    expect(Buffer.from(a.samples.points.buffer).equals(Buffer.from(c.samples.points.buffer))).toBe(false);
  });

  test("SMC: same seed gives identical particles, whatever the evaluator", async () => {
    const run = (extra = {}) =>
      runSmc(lineProblem(data), { particles: 300, ...extra }, { rng: new Random(9), report: () => true });
    const a = await run();
    const b = await run({ evaluator: new ChunkedEvaluator(new SerialEvaluator(lineProblem(data)), 64) });
    expect(Buffer.from(a.samples.points.buffer).equals(Buffer.from(b.samples.points.buffer))).toBe(true);
  });

  test("a monitor returning false stops DREAM and keeps the draws so far", async () => {
    let calls = 0;
    const run = await runDream(
      lineProblem(data),
      { samples: 20000, burn: 20 },
      {
        rng: new Random(1),
        report: () => ++calls < 40,
      },
    );
    expect(run.stopped).toBe("monitor");
    expect(run.samples.generations).toBe(40);
    expect(run.samples.nthin).toBe(20);
  });

  test("bad options get errors naming the option", async () => {
    const go = (o: Record<string, unknown>) => runDream(lineProblem(data), o, { rng: new Random(1), report: () => true });
    await expect(go({ pop: 0 })).rejects.toThrow(/option pop must be a positive integer/);
    await expect(go({ init: "sobol" })).rejects.toThrow(
      /option init must be one of "eps", "lhs", "cov", "random", "fit", got "sobol"/,
    );
    await expect(go({ burn: -1 })).rejects.toThrow(/option burn/);
    await expect(go({ parallel: "lots" })).rejects.toThrow(/option parallel must be a positive integer or "auto"/);
    await expect(
      runSmc(lineProblem(data), { constraints: [42] as never }, { rng: new Random(1), report: () => true }),
    ).rejects.toThrow(/option constraints must be an array of functions/);
  });
});
