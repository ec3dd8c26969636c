// The monitor is told, besides the point, the evaluations so far (every start's, and those made
// on worker threads as their populations return) and the method's status line: what a fit job's
// progress turns into evaluations per second and lm's Jacobians' share.
import { describe, expect, test } from "vitest";
import { fit, type MonitorInfo } from "hpcfit";
import { makeProblem } from "./mcmc-fixtures/peak-model.js";
import { peakModelFile as modelFile } from "../support/identical-fits.js";

/** Runs `fit` with a monitor that keeps what it is told. */
async function told(options: Record<string, unknown>): Promise<{ infos: MonitorInfo[]; evaluations: number }> {
  const infos: MonitorInfo[] = [];
  const result = await fit(makeProblem(), { ...options, monitor: (_step, _x, _nllf, info) => void infos.push({ ...info }) });
  return { infos, evaluations: result.evaluations };
}

/** Whether every count is at least the one before. */
const rising = (counts: number[]): boolean => counts.every((c, i) => i === 0 || c >= counts[i - 1]);

describe("what the monitor is told", () => {
  test("a sampler on worker threads: the evaluations as its populations return, as in the serial run", async () => {
    for (const options of [
      { method: "dream", samples: 2000, burn: 40, seed: 12 },
      { method: "smc", particles: 300, seed: 12 },
    ]) {
      const serial = await told(options);
      const parallel = await told({ ...options, parallel: 2, modelFile });
      const counts = parallel.infos.map((i) => i.evaluations);
      expect(counts.length).toBeGreaterThan(2);
      expect(counts).toEqual(serial.infos.map((i) => i.evaluations));
      expect(counts.at(-1)).toBeGreaterThan(counts[0]);
      expect(counts.at(-1)).toBeLessThanOrEqual(parallel.evaluations);
    }
  });

  test("lm's starts one after another: every start's evaluations together, and the Jacobians' share", async () => {
    const { infos, evaluations } = await told({ method: "lm", starts: 3, seed: 2 });
    const counts = infos.map((i) => i.evaluations);
    expect(rising(counts)).toBe(true);
    expect(counts.at(-1)).toBeLessThanOrEqual(evaluations);
    // The last start's count alone would be below the first two starts' work.
    const single = await told({ method: "lm" });
    expect(counts.at(-1)).toBeGreaterThan(single.infos.at(-1)!.evaluations);
    for (const info of infos) expect(info.status).toMatch(/^Jacobians \d+% of them, \d+% of the time$/);
  });

  test("lm's starts at once on threads: their evaluations as they report them", async () => {
    const { infos, evaluations } = await told({ method: "lm", starts: 4, seed: 2, parallel: 2, modelFile });
    const counts = infos.map((i) => i.evaluations);
    expect(counts.length).toBeGreaterThan(0);
    expect(rising(counts)).toBe(true);
    expect(counts.at(-1)).toBeGreaterThan(0);
    expect(counts.at(-1)).toBeLessThanOrEqual(evaluations);
  });
});
