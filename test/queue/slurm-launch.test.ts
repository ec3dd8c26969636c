/**
 * `hpcfit queue launch` on the private Slurm test cluster (test/setup/global.ts): a job array of
 * worker jobs drains the queue, and the tasks record the Slurm jobs that ran them.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import * as queue from "../../queue/index.js";
import { cli, cliOk, tempQueuesDir, waitUntil } from "./helpers.js";
import { readOr } from "../support/processes.js";

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempQueuesDir());
  // Job records of this test go to its own folder, not the user's.
  process.env.HPCFIT_DATA_DIR = dir;
  process.env.SLURM_CONF = inject("slurmConf");
});
afterAll(() => cleanup());

it("a job array of two workers launched on the test Slurm cluster drains the queue", async () => {
  const log = join(dir, "ran.txt");
  writeFileSync(log, "");
  cliOk(dir, "create", "sweep");
  const lines = Array.from({ length: 8 }, (_, i) => JSON.stringify({ i }));
  writeFileSync(join(dir, "params.jsonl"), lines.join("\n") + "\n");
  cliOk(dir, "load", "sweep", join(dir, "params.jsonl"), "--script", `echo {i} $SLURM_ARRAY_JOB_ID >> ${log}`);
  expect(cli(dir, "launch", "sweep", "2", "--array=0-3").stderr).toMatch(/--array is set by launch itself/);
  const out = cliOk(dir, "launch", "sweep", "2", "--walltime", "2", "--job-name", "queue-test-workers");
  const match = /Submitted 2 worker job\(s\) for queue sweep: (\d+)_0 \1_1/.exec(out);
  expect(match, out).not.toBeNull();
  const arrayId = match![1]!;
  const q = await queue.connect("sweep", { dir });
  try {
    await waitUntil("the workers drained the queue", async () => (await q.status()).counts.SUCCEEDED === 8, 60_000);
    const tasks = await q.tasks();
    for (const t of tasks) expect(t.worker).toMatch(new RegExp(`^slurm-${arrayId}_[01]@`));
    const ran = readFileSync(log, "utf8").trim().split("\n").map((l) => l.split(" "));
    expect(ran.map((r) => Number(r[0])).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(ran.map((r) => r[1]))).toEqual(new Set([arrayId]));
  } finally {
    q.close();
  }
  // The workers exit by themselves once the queue is done: the array leaves the Slurm queue.
  await waitUntil(
    "the worker jobs ended",
    () =>
      [0, 1].every((i) => {
        try {
          return readFileSync(join(dir, "sweep", "jobs", `worker-${arrayId}_${i}.out`), "utf8").includes("Worker(s) done");
        } catch {
          return false;
        }
      }),
    30_000,
  );
});

it("the same launch through the jobs layer's local scheduler drains a queue on a machine without Slurm", async () => {
  process.env.HPCFIT_JOBS_BACKEND = "local";
  try {
    cliOk(dir, "create", "laptop");
    for (let i = 0; i < 4; i++) cliOk(dir, "add", "laptop", "--", `echo ${i}`);
    const out = cliOk(dir, "launch", "laptop", "2", "--walltime", "1");
    expect(out).toMatch(/Submitted 2 worker job\(s\) for queue laptop/);
    const arrayId = /: (\d+)_0 /.exec(out)![1]!;
    const q = await queue.connect("laptop", { dir });
    try {
      await waitUntil("the local workers drained the queue", async () => (await q.status()).counts.SUCCEEDED === 4, 30_000);
      for (const t of await q.tasks()) expect(t.worker).toMatch(/^slurm-\d+_[01]@/);
    } finally {
      q.close();
    }
    // The workers exit by themselves; the test's folder is removed only once they have (they
    // write their output into it until they end).
    await waitUntil(
      "the local worker jobs ended",
      () => [0, 1].every((i) => readOr(join(dir, "laptop", "jobs", `worker-${arrayId}_${i}.out`), "").includes("Worker(s) done")),
      30_000,
    );
  } finally {
    delete process.env.HPCFIT_JOBS_BACKEND;
  }
});
