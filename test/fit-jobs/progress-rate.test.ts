// A fit job's progress (store/progress.json, the driver's log line, the kernel's status line)
// gives the evaluations so far, their rate, and the method's status: for lm, the Jacobians' share
// of the evaluations and of the time.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { useBackend } from "../../jobs/api.js";
import { fitStatusLine } from "../../fit-jobs/display.js";
import { progressLine, readProgress, type FitProgress } from "../../fit-jobs/progress.js";
import type { JobRow } from "../../schema/jobs.js";
import { asFitJob, freshDirs, lineModel, runFit } from "./support.js";

let work = "";

/** A running lm's progress as the driver writes it. */
function running(extra: Partial<FitProgress>): FitProgress {
  return {
    version: 1,
    phase: "running",
    method: "lm",
    step: 4,
    total: null,
    burn: null,
    bestNllf: 3.1,
    chisq: 0.54,
    acceptance: null,
    rhat: null,
    elapsed: 2,
    remaining: null,
    resumedFrom: 0,
    workers: [],
    updated: new Date(0).toISOString(),
    ...extra,
  };
}

const JACOBIANS = /Jacobians \d+% of them, \d+% of the time/;

describe("a fit job's evaluations per second", () => {
  beforeAll(() => {
    ({ work } = freshDirs());
    useBackend("local");
  });

  test("the progress line gives the evaluations, their rate and the method's status; older progress files still read", () => {
    const p = running({ evaluations: 1234, evaluationsPerSecond: 617.4, status: "Jacobians 60% of them, 75% of the time" });
    expect(progressLine(p)).toBe(
      "lm step 4, best chisq 0.54000, 1234 evaluations (617/s); Jacobians 60% of them, 75% of the time",
    );
    expect(progressLine(running({ evaluations: 12, evaluationsPerSecond: 8.456 }))).toBe(
      "lm step 4, best chisq 0.54000, 12 evaluations (8.46/s)",
    );
    // The first write of a run has a count but no rate yet; a file written before counts were kept has neither.
    expect(progressLine(running({ evaluations: 3 }))).toBe("lm step 4, best chisq 0.54000, 3 evaluations");
    expect(progressLine(running({}))).toBe("lm step 4, best chisq 0.54000");
    // A spread fit says where its rounds spend their time.
    const rounds = { rounds: 30, roundMs: 22.94, workerMs: 21.46, transportMs: 1.48, betweenMs: 0.262 };
    expect(progressLine(running({ rounds }))).toBe(
      "lm step 4, best chisq 0.54000, 22.9 ms per round (workers 21.5, transport 1.48, sampler 0.26 between rounds)",
    );
    const row = { id: "7", name: "rate", state: "RUNNING", nodes: "n1" } as JobRow;
    expect(fitStatusLine(row, p)).toBe(`Fit job 7 (rate) RUNNING on n1 — ${progressLine(p)}`);
  });

  test("an lm job writes its rate and the Jacobians' share into progress.json and its log while it runs", async () => {
    // The gate holds the model's evaluations once the job reports it runs, until the test opens it
    // a second later: the driver's next write comes after the rate could be measured.
    const gate = join(work, "lm-rate.gate");
    const { value } = await runFit("--fit=lm --time=5 --job-name=lm-rate", lineModel({ gate }));
    const job = asFitJob(value);
    while (readProgress(job.dir)?.phase !== "running" && !job.job.done) await new Promise((r) => setTimeout(r, 50));
    const first = readProgress(job.dir);
    expect(first?.phase).toBe("running");
    expect(first?.evaluations).toBeGreaterThan(0);
    expect(first?.evaluationsPerSecond).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1100));
    writeFileSync(gate, "");
    const result = await job.wait({ pollMs: 200 });

    const log = existsSync(job.job.stdout!) ? readFileSync(job.job.stdout!, "utf8") : "";
    const live = log.split("\n").filter((line) => / evaluations \([0-9.]+\/s\)/.test(line));
    expect(live.length, log).toBeGreaterThan(0);
    expect(live[0]).toMatch(
      /lm step \d+, best chisq [0-9.]+, \d+ evaluations \([0-9.]+\/s\); Jacobians \d+% of them, \d+% of the time$/,
    );

    const done = readProgress(job.dir)!;
    expect(done.phase).toBe("done");
    expect(done.evaluations).toBe(result.evaluations);
    expect(done.evaluationsPerSecond).toBeGreaterThan(0);
    expect(done.status).toMatch(JACOBIANS);
  });
});
