// %%fit --ntasks for the optimizers on the private Slurm test cluster: lm's finite-difference
// Jacobians, amoeba's simplexes and de's generations go to the job's srun'd ZeroMQ workers, and
// the stored result is bit-identical to a serial fit of the same model here (values, covariance,
// evaluation count, message).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, test } from "vitest";
import { fit, type FitResult, type Problem } from "hpcfit";
import { useBackend } from "../../jobs/api.js";
import { asFitJob, freshDirs, lineModel, runFit } from "./support.js";

process.env.SLURM_CONF = inject("slurmConf");

const bits = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");

function expectIdentical(spread: FitResult, serial: FitResult): void {
  expect(bits(spread.x)).toBe(bits(serial.x));
  expect(bits(spread.cov)).toBe(bits(serial.cov));
  expect(spread.chisq).toBe(serial.chisq);
  expect(spread.evaluations).toBe(serial.evaluations);
  expect(spread.converged).toBe(serial.converged);
  expect(spread.message).toBe(serial.message);
}

describe("%%fit --ntasks for lm, amoeba and de on Slurm", () => {
  beforeAll(() => {
    freshDirs();
    useBackend("slurm");
  });

  const cases = [
    { method: "lm", flags: "--fit=lm", options: { method: "lm" } },
    { method: "amoeba", flags: "--fit=amoeba", options: { method: "amoeba" } },
    { method: "de", flags: "--fit=de --steps=40 --seed=3", options: { method: "de", steps: 40, seed: 3 } },
  ] as const;
  for (const { method, flags, options } of cases) {
    test(`${method} --ntasks=2 evaluates on two srun'd workers and equals a serial fit`, async () => {
      const { value } = await runFit(`${flags} --ntasks=2 --time=5 --job-name=spread-${method}`, lineModel());
      const job = asFitJob(value);
      const result = await job.wait({ pollMs: 300 });
      const out = readFileSync(job.job.stdout!, "utf8");
      expect(out).toMatch(/2 evaluation workers connected/);
      // The two workers are threads of the worker processes, one per node the tasks went to.
      const threads = [...out.matchAll(/fit-worker \S+ connected to \S+ with (\d+) evaluation threads?/g)].map((m) =>
        Number(m[1]),
      );
      expect(threads.reduce((a, b) => a + b, 0)).toBe(2);
      // The workers evaluated points: each logs how many when the fit tells it to stop.
      const counts = [...out.matchAll(/fit-worker \S+ stopped after (\d+) evaluations/g)].map((m) => Number(m[1]));
      expect(counts.length).toBe(threads.length);
      expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

      const module = (await import(join(job.dir, "model.ts"))) as { problem: Problem };
      const serial = await fit(module.problem, options);
      // de's 40 generations are a budget, not a convergence.
      expect(serial.converged).toBe(method !== "de");
      expectIdentical(result, serial);
    });
  }
});
