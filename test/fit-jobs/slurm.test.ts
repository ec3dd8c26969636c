// %%fit against the private Slurm test cluster (four nodes on this machine): a DREAM job spread over two srun'd
// ZeroMQ workers gives the chains of a --local run, its display goes PENDING → RUNNING →
// COMPLETED with the fit and MCMC bundles at the end, a model's data file travels with the job,
// a killed worker costs nothing but time, and %fit results / %fit jobs find the job again.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, test } from "vitest";
import { fit, isSampledResult, type Problem } from "hpcfit";
import { useBackend } from "../../jobs/api.js";
import { readProgress } from "../../fit-jobs/progress.js";
import { FIT_MIME } from "../../schema/fit.js";
import { MCMC_MIME } from "../../schema/mcmc.js";
import { readSpec } from "../../fit-jobs/job-directory.js";
import { WORKER_NODE_OPTIONS } from "../../fit/node/worker-node-options.js";
import { processes } from "../support/processes.js";
import { asFitJob, dataModel, displayTexts, freshDirs, lineModel, linePointsFile, linePointsFit, runFit } from "./support.js";

process.env.SLURM_CONF = inject("slurmConf");

const DREAM = "--fit=dream --samples=400 --burn=30 --seed=7";

describe("%%fit on Slurm", () => {
  let work = "";
  beforeAll(() => {
    ({ work } = freshDirs());
    useBackend("slurm");
  });

  test("--ntasks=2 runs through srun, equals --local, display goes PENDING → RUNNING → COMPLETED with fit and MCMC", async () => {
    // The fit takes a second or two: the model holds the running job (see lineModel's gate) until
    // the display has shown it running with the sampler's progress, so no poll can miss that.
    const gate = join(work, "spread.gate");
    const running = /RUNNING.* — dream generation \d+\/\d+/;
    // Held evaluations send no heartbeats: the sampler must not take its workers for dead meanwhile.
    process.env.HPCFIT_FIT_DEAD_AFTER_MS = String(24 * 3600_000);
    const model = lineModel({ spinMs: 1, gate });
    const { value, outputs } = await runFit(`${DREAM} --ntasks=2 --time=5 --job-name=spread`, model).finally(() => {
      delete process.env.HPCFIT_FIT_DEAD_AFTER_MS;
    });
    const job = asFitJob(value);
    // The live display refreshes the job as it follows it; a job that ends otherwise ends the wait.
    while (!displayTexts(outputs).some((t) => running.test(t)) && !job.job.done) await new Promise((r) => setTimeout(r, 100));
    writeFileSync(gate, "");
    const result = await job.wait({ pollMs: 300 });
    await job.follow({ update: () => undefined });
    const texts = displayTexts(outputs);
    // Every display starts with the job's state; with repeats (progress updates) folded and the
    // passing COMPLETING left out, the display went from waiting to running (with the sampler's
    // progress) to completed, and nothing else.
    const states = texts.map((t) => /^(?:Fit job|Job) \d+ \(spread\) ([A-Z_]+)/.exec(t)?.[1] ?? `unreadable: ${t}`);
    const path = states.filter((s) => s !== "COMPLETING").filter((s, i, all) => s !== all[i - 1]);
    expect(path).toEqual(["PENDING", "RUNNING", "COMPLETED"]);
    expect(texts.some((t) => running.test(t))).toBe(true);
    const last = outputs.filter((o) => o.kind === "display").at(-1)!;
    if (last.kind !== "display") throw new Error("no display");
    expect(last.update).toBe(true);
    expect(last.data[FIT_MIME]).toBeDefined();
    expect(last.data[MCMC_MIME]).toBeDefined();
    // The job ran its workers through srun and both connected.
    const out = readFileSync(job.job.stdout!, "utf8");
    expect(out).toMatch(/2 evaluation workers connected/);
    expect(readProgress(job.dir)?.workers.reduce((n, w) => n + w.threads, 0)).toBe(2);
    expect(readFileSync(join(job.dir, "run.sh"), "utf8")).toMatch(/srun --nodes=1 --ntasks=1 --cpus-per-task="\$N" /);

    // The same model file and options fitted serially here (what --local does in a kernel; the
    // kernel test runs --local itself) give the same chains, bit for bit.
    const module = (await import(join(job.dir, "model.ts"))) as { problem: Problem };
    const serial = await fit(module.problem, { method: "dream", samples: 400, burn: 30, seed: 7 });
    if (!isSampledResult(result) || !isSampledResult(serial)) throw new Error("expected sampler results");
    expect(Array.from(result.samples.points)).toEqual(Array.from(serial.samples.points));
    expect(Array.from(result.samples.logp)).toEqual(Array.from(serial.samples.logp));
  });

  test("--nodes=4 --ntasks=16 runs one worker process of four threads on every node, and the chains equal a serial run's", async () => {
    // The gate holds the fit once it runs until every worker has connected, however slowly
    // sixteen workers start on this machine; held evaluations send no heartbeats meanwhile.
    const gate = join(work, "nodes.gate");
    process.env.HPCFIT_FIT_DEAD_AFTER_MS = String(24 * 3600_000);
    const { value } = await runFit(`${DREAM} --nodes=4 --ntasks=16 --time=5 --job-name=nodes4`, lineModel({ gate })).finally(
      () => {
        delete process.env.HPCFIT_FIT_DEAD_AFTER_MS;
      },
    );
    const job = asFitJob(value);
    const threads = (): number => (readProgress(job.dir)?.workers ?? []).reduce((n, w) => n + w.threads, 0);
    for (let i = 0; i < 1200 && !job.job.done && threads() < 16; i++) await new Promise((r) => setTimeout(r, 100));
    // While the gate holds the fit: the worker processes of this job on the machine.
    const running = processes().filter(
      (p) => p.cmdline.startsWith(`${process.execPath} `) && p.cmdline.includes(" fit-worker ") && p.cmdline.includes(job.dir),
    );
    writeFileSync(gate, "");
    const result = await job.wait({ pollMs: 300 });
    const workers = readProgress(job.dir)?.workers ?? [];
    // One worker process on each node, named by the node Slurm ran it on, with that node's four tasks as threads.
    expect(workers.map((w) => [w.node, w.threads]).sort()).toEqual([
      ["n1", 4],
      ["n2", 4],
      ["n3", 4],
      ["n4", 4],
    ]);
    expect(running.map((p) => p.pid).sort()).toEqual(workers.map((w) => w.pid).sort());
    expect(running.every((p) => / --threads=4\b/.test(p.cmdline))).toBe(true);
    // Started with the worker's Node options, before the CLI's path.
    expect(running.every((p) => p.cmdline.includes(` ${WORKER_NODE_OPTIONS.join(" ")} `))).toBe(true);
    const out = readFileSync(job.job.stdout!, "utf8");
    for (const w of workers) expect(out).toMatch(new RegExp(`worker ${w.node}:${w.pid} connected with 4 threads`));
    expect(out).toMatch(/16 evaluation workers connected/);
    // Every node's worker evaluated its share.
    expect(workers.every((w) => w.evaluated > 0)).toBe(true);
    // Where the rounds spent their time: every generation counted, split without a remainder.
    const rounds = readProgress(job.dir)!.rounds!;
    expect(rounds.rounds).toBeGreaterThan(0);
    expect(rounds.workerMs + rounds.transportMs).toBeCloseTo(rounds.roundMs, 9);
    expect(rounds.workerMs).toBeGreaterThan(0);
    expect(out).toMatch(
      new RegExp(
        `${rounds.rounds} rounds: [0-9.]+ ms per round \\(workers [0-9.]+, transport [0-9.]+, sampler [0-9.]+ between rounds\\)`,
      ),
    );

    const module = (await import(join(job.dir, "model.ts"))) as { problem: Problem };
    const serial = await fit(module.problem, { method: "dream", samples: 400, burn: 30, seed: 7 });
    if (!isSampledResult(result) || !isSampledResult(serial)) throw new Error("expected sampler results");
    expect(Array.from(result.samples.points)).toEqual(Array.from(serial.samples.points));
    expect(Array.from(result.samples.logp)).toEqual(Array.from(serial.samples.logp));
  });

  test("a cell that reads a data file of the notebook's folder fits it on the cluster, its srun'd workers reading the job's copy", async () => {
    writeFileSync(join(work, "points.dat"), linePointsFile());
    const { value } = await runFit(`${DREAM} --ntasks=2 --time=5 --job-name=slurm-data`, dataModel("points.dat"));
    const job = asFitJob(value);
    const result = await job.wait({ pollMs: 300 });
    expect(readFileSync(job.job.stdout!, "utf8")).toMatch(/2 evaluation workers connected/);
    expect(readSpec(job.dir).data).toEqual(["points.dat"]);
    expect(readFileSync(join(job.dir, "points.dat"), "utf8")).toBe(linePointsFile());
    // The chains are those of the same model fitted here, and its best point is the line's.
    const module = (await import(join(job.dir, "model.ts"))) as { problem: Problem };
    const serial = await fit(module.problem, { method: "dream", samples: 400, burn: 30, seed: 7 });
    if (!isSampledResult(result) || !isSampledResult(serial)) throw new Error("expected sampler results");
    expect(Array.from(result.samples.points)).toEqual(Array.from(serial.samples.points));
    const ref = linePointsFit();
    expect(Math.abs(result.x[0] - ref.m)).toBeLessThan(0.05);
    expect(Math.abs(result.x[1] - ref.b)).toBeLessThan(0.2);
  });

  test("killing one worker during the run still completes the fit, and the loss is logged", async () => {
    // The gate holds the workers inside their slices once the fit runs, so the one killed holds
    // points (killed between two rounds it would hold none, and nothing would be re-sent). Held
    // workers send no heartbeats: the loss is told by the closed connection.
    const gate = join(work, "killone.gate");
    process.env.HPCFIT_FIT_DEAD_AFTER_MS = String(24 * 3600_000);
    // One worker process per node: two nodes, so that one is left when the other is killed.
    const { value } = await runFit(
      `${DREAM} --samples=600 --burn=60 --nodes=2 --ntasks=2 --time=5 --job-name=killone`,
      lineModel({ spinMs: 3, gate, gateWorkersOnly: true }),
    ).finally(() => {
      delete process.env.HPCFIT_FIT_DEAD_AFTER_MS;
    });
    const job = asFitJob(value);
    // Wait until both workers are connected and the fit runs.
    let victim: number | undefined;
    for (let i = 0; i < 600 && victim === undefined; i++) {
      const p = readProgress(job.dir);
      if (p && p.phase === "running" && p.workers.length === 2) victim = p.workers[1].pid;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(victim).toBeDefined();
    // A round lasts tens of milliseconds: within a second both workers wait in the gate with a slice.
    await new Promise((r) => setTimeout(r, 1000));
    process.kill(victim!, "SIGKILL");
    writeFileSync(gate, "");
    const result = await job.wait({ pollMs: 300 });
    expect(isSampledResult(result)).toBe(true);
    const out = readFileSync(job.job.stdout!, "utf8");
    expect(out).toMatch(new RegExp(`worker \\S+:${victim} lost .*re-sending its \\d+ points`));
    expect(readProgress(job.dir)?.workers.filter((w) => w.alive).length).toBe(1);
  });
});
