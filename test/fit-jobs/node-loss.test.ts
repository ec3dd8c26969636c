// A %%fit DREAM job spread over the four nodes of a private Slurm cluster loses one node mid-fit
// (its slurmd and every process of its steps killed at once): the sampler notices from the closed
// connections, not from missed heartbeats (those are switched off here), re-sends the lost points,
// shows the loss in its progress and the live display, outlives Slurm marking the node down, and
// ends with the chains of an uninterrupted serial run.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fit, isSampledResult, type Problem } from "hpcfit";
import { useBackend } from "../../jobs/api.js";
import { readProgress } from "../../fit-jobs/progress.js";
import { startSlurmCluster, type SlurmCluster } from "../setup/slurm-cluster.js";
import { killNode, waitForNodeState } from "../support/slurm-nodes.js";
import { asFitJob, displayTexts, freshDirs, lineModel, runFit } from "./support.js";

describe("%%fit losing a node", () => {
  // A cluster of this file's own, quick to mark a silent node down: other test files run jobs on
  // the shared one.
  let cluster: SlurmCluster;
  let work = "";
  let conf = "";
  const saved = process.env.SLURM_CONF;
  beforeAll(async () => {
    cluster = await startSlurmCluster({ nodes: 4, cpusPerNode: 2, slurmdTimeout: 10 });
    conf = cluster.env.SLURM_CONF;
    process.env.SLURM_CONF = conf;
    ({ work } = freshDirs());
    useBackend("slurm");
  });
  afterAll(async () => {
    process.env.SLURM_CONF = saved;
    await cluster?.stop();
  });

  test("a node killed mid-fit: the fit ends on the others with the serial chains, the loss logged and shown", async () => {
    const gate = join(mkdtempSync(join(work, "gate-")), "open");
    // No heartbeat deadline: only the closed connections can tell the sampler the workers are gone.
    process.env.HPCFIT_FIT_DEAD_AFTER_MS = String(24 * 3600_000);
    const dream = "--fit=dream --samples=400 --burn=30 --seed=11";
    const { value, outputs } = await runFit(
      `${dream} --nodes=4 --ntasks=8 --time=5 --job-name=lose-n4`,
      lineModel({ gate, gateWorkersOnly: true }),
    ).finally(() => {
      delete process.env.HPCFIT_FIT_DEAD_AFTER_MS;
    });
    const job = asFitJob(value);
    // The gate holds every evaluation once the sampler runs: wait until all eight workers (threads
    // of one worker process per node) are in.
    const threads = (): number => (readProgress(job.dir)?.workers ?? []).reduce((n, w) => n + w.threads, 0);
    for (let i = 0; i < 1200 && !job.job.done && threads() < 8; i++) await new Promise((r) => setTimeout(r, 100));
    const before = readProgress(job.dir)!;
    expect(before.workers.filter((w) => w.node === "n4").map((w) => w.threads)).toEqual([2]);

    const killed = killNode("n4", conf);
    expect(killed.length).toBeGreaterThan(2);
    // The sampler sees n4's worker, and its two threads, gone while every evaluation is still held.
    for (let i = 0; i < 300 && (readProgress(job.dir)?.workers.filter((w) => !w.alive).length ?? 0) < 1; i++)
      await new Promise((r) => setTimeout(r, 100));
    const after = readProgress(job.dir)!;
    expect(after.workers.filter((w) => !w.alive).map((w) => [w.node, w.threads])).toEqual([["n4", 2]]);
    expect(after.phase).toBe("running");
    const out = () => readFileSync(job.job.stdout!, "utf8");
    expect(out()).toMatch(/worker n4:\d+ lost \(its connection closed\)/);
    // The live display names the lost node.
    for (let i = 0; i < 300 && !displayTexts(outputs).some((t) => /6\/8 workers on 3 nodes \(lost on n4\)/.test(t)); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(displayTexts(outputs).some((t) => /6\/8 workers on 3 nodes \(lost on n4\)/.test(t))).toBe(true);
    // Slurm marks the node down; the job, on the three others, goes on.
    await waitForNodeState("n4", /^down/, conf);
    expect(job.job.done).toBe(false);

    writeFileSync(gate, "");
    const result = await job.wait({ pollMs: 300 });
    expect(readProgress(job.dir)?.phase).toBe("done");
    expect(out()).toMatch(/re-sending its \d+ points to the others/);

    const module = (await import(join(job.dir, "model.ts"))) as { problem: Problem };
    const serial = await fit(module.problem, { method: "dream", samples: 400, burn: 30, seed: 11 });
    if (!isSampledResult(result) || !isSampledResult(serial)) throw new Error("expected sampler results");
    expect(Array.from(result.samples.points)).toEqual(Array.from(serial.samples.points));
    expect(Array.from(result.samples.logp)).toEqual(Array.from(serial.samples.logp));
  });
});
