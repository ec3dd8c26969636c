// SMC in constraint mode on the 4-D alloy region: every draw satisfies every constraint,
// the draws are spread over the region (not collapsed), and the run is reproducible.
import { expect, test } from "vitest";
import { alloyConstraints, sampleAlloyRegion } from "../../examples/alloy-region.js";
import { isSampledResult } from "../../fit/samplers/sampled-result.js";

test("alloy region: all draws satisfy the constraints and cover the region", async () => {
  const result = await sampleAlloyRegion(800, 5);
  expect(isSampledResult(result)).toBe(true);
  if (!isSampledResult(result)) return;
  const s = result.samples;
  expect(s.size).toBe(800);
  const distinct = new Set<string>();
  for (let i = 0; i < s.size; i++) {
    const x = s.points.subarray(i * 4, i * 4 + 4);
    for (const g of alloyConstraints) expect(g(x)).toBeGreaterThanOrEqual(0);
    for (const v of x) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    distinct.add(Array.from(x).join(","));
  }
  expect(distinct.size).toBeGreaterThan(0.8 * s.size);
  // The region forces x2 >= 0.5 and x3 between 0.1 and 0.15 of x0 + x1: the draws span it.
  const st = s.summary().stats;
  expect(st[2].p95[0]).toBeGreaterThanOrEqual(0.5);
  expect(st[2].p95[1] - st[2].p95[0]).toBeGreaterThan(0.1);
  expect(st[1].p95[1] - st[1].p95[0]).toBeGreaterThan(0.1);
  const again = await sampleAlloyRegion(800, 5);
  if (isSampledResult(again)) expect(Array.from(again.samples.points)).toEqual(Array.from(s.points));
});
