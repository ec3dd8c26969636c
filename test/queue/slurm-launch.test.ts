/**
 * `hpcfit queue launch` on the private Slurm test cluster (test/setup/global.ts, four nodes): a
 * job array of worker jobs drains a queue kept in PostgreSQL from several nodes, and the tasks
 * record the nodes and Slurm jobs that ran them; a queue kept in SQLite is refused several jobs.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import * as queue from "../../queue/index.js";
import { cli, cliOk, tempQueuesDir, useStorage, waitUntil } from "./helpers.js";
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

it("refuses several worker jobs on Slurm for a SQLite queue, naming --db postgres:// as the way", () => {
  cliOk(dir, "create", "local-only");
  cliOk(dir, "add", "local-only", "--", "true");
  const r = cli(dir, "launch", "local-only", "2");
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/Queue local-only is kept in SQLite, which workers on several nodes must not share/);
  expect(r.stderr).toMatch(/hpcfit queue create local-only --db postgres:\/\/user@host\/database/);
  expect(r.stderr).toMatch(/launch local-only 1 --workers-per-job 2/);
});

it("a job array of four workers, one per node, drains a PostgreSQL queue on every node of the test cluster", async () => {
  const storage = await useStorage("postgres");
  // --db alone says where the queue is; the workers are handed it by launch.
  delete process.env.HPCFIT_QUEUE_DB;
  const db = storage.db!;
  try {
    const log = join(dir, "ran.txt");
    writeFileSync(log, "");
    cliOk(dir, "create", "sweep", "--db", db);
    const lines = Array.from({ length: 16 }, (_, i) => JSON.stringify({ i }));
    writeFileSync(join(dir, "params.jsonl"), lines.join("\n") + "\n");
    // Each task takes a second, so that every worker (started within a second or two) gets some.
    cliOk(
      dir,
      "load",
      "sweep",
      join(dir, "params.jsonl"),
      "--db",
      db,
      "--script",
      `sleep 1; echo {i} $SLURM_ARRAY_JOB_ID $SLURMD_NODENAME >> ${log}`,
    );
    expect(cli(dir, "launch", "sweep", "2", "--db", db, "--array=0-3").stderr).toMatch(/--array is set by launch itself/);
    // A whole node's CPUs per worker: Slurm puts the four jobs on four nodes.
    const cpus = inject("slurmCpusPerNode");
    const out = cliOk(
      dir,
      "launch",
      "sweep",
      "4",
      "--db",
      db,
      "--cores-per-worker",
      String(cpus),
      "--walltime",
      "2",
      "--job-name",
      "queue-test-workers",
    );
    const match = /Submitted 4 worker job\(s\) for queue sweep: (\d+)_0 \1_1 \1_2 \1_3/.exec(out);
    expect(match, out).not.toBeNull();
    const arrayId = match![1];
    const q = await queue.connect("sweep", { dir, db });
    try {
      await waitUntil("the workers drained the queue", async () => (await q.status()).counts.SUCCEEDED === 16, 90_000);
      const tasks = await q.tasks();
      for (const t of tasks) {
        expect(t.worker).toMatch(new RegExp(`^slurm-${arrayId}_[0-3]@`));
        expect(t.jobId).toMatch(new RegExp(`^${arrayId}_[0-3]$`));
        expect(inject("slurmNodes")).toContain(t.node);
      }
      const ran = readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .map((l) => l.split(" "));
      expect(ran.map((r) => Number(r[0])).sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
      expect(new Set(ran.map((r) => r[1]))).toEqual(new Set([arrayId]));
      // Each task ran where the queue says it did, and the status counts them per node.
      for (const [i, , node] of ran) expect(tasks[Number(i)].node).toBe(node);
      const nodes = new Set(tasks.map((t) => t.node));
      expect(nodes).toEqual(new Set(inject("slurmNodes")));
      const status = cliOk(dir, "status", "sweep", "--db", db);
      for (const node of nodes) {
        const n = tasks.filter((t) => t.node === node).length;
        expect(status).toMatch(new RegExp(`^  ${node}\\s+RUNNING 0  SUCCEEDED ${n} `, "m"));
      }
    } finally {
      q.close();
    }
    // The workers exit by themselves once the queue is done: the array leaves the Slurm queue.
    await waitUntil(
      "the worker jobs ended",
      () =>
        [0, 1, 2, 3].every((i) => {
          try {
            return readFileSync(join(dir, "sweep", "jobs", `worker-${arrayId}_${i}.out`), "utf8").includes("Worker(s) done");
          } catch {
            return false;
          }
        }),
      30_000,
    );
  } finally {
    await storage.cleanup();
  }
});

it("the same launch through the jobs layer's local scheduler drains a queue on a machine without Slurm", async () => {
  process.env.HPCFIT_JOBS_BACKEND = "local";
  try {
    cliOk(dir, "create", "laptop");
    for (let i = 0; i < 4; i++) cliOk(dir, "add", "laptop", "--", `echo ${i}`);
    const out = cliOk(dir, "launch", "laptop", "2", "--walltime", "1");
    expect(out).toMatch(/Submitted 2 worker job\(s\) for queue laptop/);
    const arrayId = /: (\d+)_0 /.exec(out)![1];
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

it("launch --batch N reaches the workers it starts: each claim takes N tasks; a bad value is refused before submitting", async () => {
  process.env.HPCFIT_JOBS_BACKEND = "local";
  try {
    cliOk(dir, "create", "batched");
    // Tasks of 0.3 s: an automatic batch would claim them one at a time.
    for (let i = 0; i < 4; i++) cliOk(dir, "add", "batched", "--", `sleep 0.3; echo ${i}`);
    const bad = cli(dir, "launch", "batched", "1", "--batch", "0");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--batch must be "auto" or a whole number >= 1, got "0"/);
    const out = cliOk(dir, "launch", "batched", "1", "--batch", "2", "--walltime", "1");
    const arrayId = /: (\d+)_0/.exec(out)![1];
    const q = await queue.connect("batched", { dir });
    try {
      await waitUntil("the worker drained the queue", async () => (await q.status()).counts.SUCCEEDED === 4, 30_000);
      // A claim stamps every task it takes with the same start: two claims of two tasks each.
      const tasks = await q.tasks();
      expect(tasks.map((t) => t.attempts)).toEqual([1, 1, 1, 1]);
      expect(tasks[0].startedAt).toBe(tasks[1].startedAt);
      expect(tasks[2].startedAt).toBe(tasks[3].startedAt);
      expect(tasks[2].startedAt).not.toBe(tasks[1].startedAt);
    } finally {
      q.close();
    }
    await waitUntil(
      "the local worker job ended",
      () => readOr(join(dir, "batched", "jobs", `worker-${arrayId}_0.out`), "").includes("Worker(s) done"),
      30_000,
    );
  } finally {
    delete process.env.HPCFIT_JOBS_BACKEND;
  }
});
