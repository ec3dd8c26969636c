// A fit job writes that it runs as soon as its sampler reports the first generation, before the
// driver evaluates the model for the progress file's chisq: that evaluation waits for the event
// loop's next turn like every later refresh, so that it overlaps the next population instead of
// holding it back. The chisq follows in a later write and in the log.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { useBackend } from "../../jobs/api.js";
import { readProgress } from "../../fit-jobs/progress.js";
import { asFitJob, freshDirs, lineModel, runFit } from "./support.js";

let work = "";

describe("a fit job's first progress write", () => {
  beforeAll(() => {
    ({ work } = freshDirs());
    useBackend("local");
  });

  test("an SMC job says it runs before the driver's own model call for the chisq; the chisq comes next", async () => {
    // The gate holds every model evaluation once the job says it runs: what the first running
    // write holds was computed before it.
    const gate = join(work, "first-progress.gate");
    const { value } = await runFit("--fit=smc --particles=200 --seed=2 --time=5 --job-name=first-progress", lineModel({ gate }));
    const job = asFitJob(value);
    while (readProgress(job.dir)?.phase !== "running" && !job.job.done) await new Promise((r) => setTimeout(r, 20));
    const first = readProgress(job.dir);
    expect(first?.phase).toBe("running");
    expect(first?.step).toBeGreaterThan(0);
    expect(first?.bestNllf).toBeGreaterThan(0);
    expect(first?.chisq).toBeNull();
    writeFileSync(gate, "");
    const result = await job.wait({ pollMs: 100 });

    const log = existsSync(job.job.stdout!) ? readFileSync(job.job.stdout!, "utf8") : "";
    expect(log).toMatch(/smc step \d+, best chisq [0-9.]+/);
    const done = readProgress(job.dir)!;
    expect(done.phase).toBe("done");
    expect(done.chisq).toBe(result.chisq);
  });
});
