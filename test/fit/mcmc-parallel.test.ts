// Parallel evaluation on worker threads that load the model file: bit-identical to serial, the
// CPU count respects Slurm and the affinity mask, and bad model files fail clearly.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { availableCpus, countCpuList, fit, isSampledResult } from "hpcfit";
import { makeProblem } from "./mcmc-fixtures/peak-model.js";

const modelFile = fileURLToPath(new URL("./mcmc-fixtures/peak-model.ts", import.meta.url));

// Workers run the compiled JavaScript in dist/ (npm test builds it first; or `npx tsc -p tsconfig.json`).

describe("parallel evaluation", () => {
  test("DREAM and SMC on 2 workers give the same bits as serial", async () => {
    for (const opts of [
      { method: "dream", samples: 2000, burn: 40, seed: 12 },
      { method: "smc", particles: 300, seed: 12 },
    ] as const) {
      const serial = await fit(makeProblem(), opts);
      const parallel = await fit(makeProblem(), { ...opts, parallel: 2, modelFile });
      if (!isSampledResult(serial) || !isSampledResult(parallel)) throw new Error("expected sampler results");
      expect(Buffer.from(parallel.samples.points.buffer).equals(Buffer.from(serial.samples.points.buffer))).toBe(true);
      expect(Buffer.from(parallel.samples.logp.buffer).equals(Buffer.from(serial.samples.logp.buffer))).toBe(true);
      expect(parallel.evaluations).toBe(serial.evaluations);
    }
  });

  test("parallel without a model file, or with a bad one, fails with a clear error", async () => {
    const problem = makeProblem();
    await expect(fit(problem, { method: "dream", samples: 200, parallel: 2 })).rejects.toThrow(/pass modelFile/);
    await expect(
      fit(problem, { method: "dream", samples: 200, parallel: 2, modelFile: "/nonexistent/model.ts" }),
    ).rejects.toThrow(/parallel worker: model file \/nonexistent\/model.ts does not exist/);
  });

  test("auto uses SLURM_CPUS_PER_TASK, else the affinity mask", () => {
    expect(countCpuList("0-3,6,8-9")).toBe(7);
    expect(countCpuList("0")).toBe(1);
    expect(availableCpus({ SLURM_CPUS_PER_TASK: "5" })).toBe(5);
    const n = availableCpus({});
    expect(n).toBeGreaterThanOrEqual(1);
    const allowed = /Cpus_allowed_list:\s*(.+)/.exec(execFileSync("cat", ["/proc/self/status"]).toString());
    if (allowed) expect(n).toBeLessThanOrEqual(countCpuList(allowed[1]));
  });
});
