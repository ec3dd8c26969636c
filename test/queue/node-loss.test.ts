/**
 * A node lost while a PostgreSQL queue's workers run on four nodes: its slurmd and every process
 * of its job steps are killed. No task is lost: the tasks it was running run again elsewhere once
 * their leases expire, none runs twice to completion, and the status says which node ran what.
 * The test starts a cluster of its own (the node helpers refuse to kill the shared one).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as queue from "../../queue/index.js";
import { killNode } from "../support/slurm-nodes.js";
import { startSlurmCluster, type SlurmCluster } from "../setup/slurm-cluster.js";
import { useStorage, waitUntil, type TestStorage } from "./helpers.js";

let cluster: SlurmCluster;
let storage: TestStorage;
const saved = { SLURM_CONF: process.env.SLURM_CONF, HPCFIT_DATA_DIR: process.env.HPCFIT_DATA_DIR };
beforeAll(async () => {
  cluster = await startSlurmCluster({ nodes: 4, cpusPerNode: 2, slurmdTimeout: 10 });
  storage = await useStorage("postgres");
  process.env.SLURM_CONF = cluster.env.SLURM_CONF;
  // Job records of this test go to its own folder.
  process.env.HPCFIT_DATA_DIR = storage.dir;
}, 120_000);
afterAll(async () => {
  process.env.SLURM_CONF = saved.SLURM_CONF;
  process.env.HPCFIT_DATA_DIR = saved.HPCFIT_DATA_DIR;
  await cluster?.stop();
  await storage?.cleanup();
});

it("loses no task when a node dies mid-run: its tasks run again on the others after their leases expire, each to completion once", async () => {
  const { dir, db } = storage;
  const log = join(dir, "done.txt");
  writeFileSync(log, "");
  const q = await queue.create("survive", { dir, db });
  try {
    // A task records its end only after its work: an attempt killed with its node leaves no line.
    await q.addMany(Array.from({ length: 24 }, (_, i) => ({ command: `sleep 3 && echo ${i + 1} $SLURMD_NODENAME >> ${log}` })));
    const launched = await q.launch(4, {
      coresPerWorker: 2,
      leaseSeconds: 4,
      walltime: "5",
      sbatchArgs: ["--no-requeue"],
      queuesDir: dir,
    });
    expect(launched.jobIds).toHaveLength(4);
    // One worker per node (each job takes a whole node); wait until n4 runs a task, then kill n4.
    await waitUntil("a task runs on n4", async () => (await q.tasks({ state: "RUNNING" })).some((t) => t.node === "n4"), 90_000);
    const onN4 = (await q.tasks({ state: "RUNNING" })).filter((t) => t.node === "n4").map((t) => t.id);
    const killed = killNode("n4", cluster.env.SLURM_CONF);
    expect(killed.length).toBeGreaterThan(0);

    await waitUntil("every task succeeded", async () => (await q.status()).counts.SUCCEEDED === 24, 120_000);
    const tasks = await q.tasks();
    // Each task ran to completion exactly once.
    const done = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(" "));
    expect(done.map((d) => Number(d[0])).sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    // The tasks n4 was running were lost with it, and finished on another node.
    for (const id of onN4) {
      const t = tasks[id - 1];
      expect(t.history[0]).toMatchObject({ node: "n4", exitCode: null });
      expect(t.history[0].error).toMatch(/lease of worker .* expired during attempt 1 of 3/);
      expect(t.node).not.toBe("n4");
      expect(t.history.at(-1)).toMatchObject({ exitCode: 0, node: t.node });
    }
    // Each task's record names the node that ran it, as the task itself saw it.
    for (const [id, node] of done) expect(tasks[Number(id) - 1].node).toBe(node);
    // The summary says which node ran what: every surviving node ran tasks.
    const status = await q.status();
    const byNode = new Map(status.nodes.map((n) => [n.node, n.counts.SUCCEEDED]));
    expect([...byNode.values()].reduce((a, b) => a + b, 0)).toBe(24);
    for (const node of ["n1", "n2", "n3"]) expect(byNode.get(node)).toBeGreaterThan(0);
    expect(status.toString()).toMatch(/tasks per node/);
  } finally {
    q.close();
  }
}, 240_000);
