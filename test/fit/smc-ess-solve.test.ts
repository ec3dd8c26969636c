// SMC's next likelihood power: the bisection guided by the closed-form crossing asks for a few
// ESS passes per stage instead of some forty, and picks the very β the bisection picks alone, so
// the schedule and every draw stay the same bit for bit.
import { afterEach, describe, expect, test, vi } from "vitest";
import { Random } from "../../fit/random.js";
import { runSmc, SmcState } from "../../fit/samplers/smc.js";
import { lineProblem, syntheticLine } from "./mcmc-fixtures/linear.js";

const bytes = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** A seeded SMC run of the line with `particles`, and the count of full ESS passes it made. */
async function run(
  particles: number,
  seed: number,
  lim: number,
): Promise<{ passes: number; stages: number; points: Buffer; logp: Buffer; genLogp: Buffer }> {
  const ess = vi.spyOn(SmcState.prototype, "ess");
  const r = await runSmc(
    lineProblem(syntheticLine(new Random(seed)), lim),
    { particles, moves: 2 },
    { rng: new Random(seed + 1), report: () => true },
  );
  const passes = ess.mock.calls.length;
  ess.mockRestore();
  return {
    passes,
    stages: r.stages,
    points: bytes(r.samples.points),
    logp: bytes(r.samples.logp),
    genLogp: bytes(r.samples.genLogp),
  };
}

afterEach(() => vi.restoreAllMocks());

describe("SMC's tempering step", () => {
  test("a stage costs a few ESS passes, not a bisection's forty", async () => {
    const { passes, stages } = await run(2000, 1, 50);
    expect(stages).toBeGreaterThan(5);
    // Per stage: the check at β = 1, the two ends of the crossing's interval, a pass or two inside it, the resampling's.
    expect(passes / stages).toBeLessThan(10);
  });

  test("the guided bisection picks the β of the bisection alone: the same draws, bit for bit", async () => {
    for (const [particles, seed, lim] of [
      [2000, 1, 50],
      [500, 7, 5],
      [200, 11, 1000],
    ]) {
      const guided = await run(particles, seed, lim);
      // The bisection alone: no crossing to guide it.
      vi.spyOn(SmcState.prototype, "betaCrossing").mockReturnValue(undefined);
      const alone = await run(particles, seed, lim);
      vi.restoreAllMocks();
      expect(alone.passes).toBeGreaterThan(guided.passes);
      expect(guided.stages).toBe(alone.stages);
      expect(guided.genLogp.equals(alone.genLogp)).toBe(true);
      expect(guided.points.equals(alone.points)).toBe(true);
      expect(guided.logp.equals(alone.logp)).toBe(true);
    }
  });
});
