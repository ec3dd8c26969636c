/**
 * Where a queue is kept: a `postgres://` URL given with `--db` (on every verb) or in
 * `$HPCFIT_QUEUE_DB` puts it in PostgreSQL, its folder keeping the logs; anything else is refused
 * with a clear error. The tasks record the node and job that ran them. A SQLite queue refuses a
 * worker on a second node while workers on another use it (the node is `$SLURMD_NODENAME`, which
 * Slurm sets on every node and which the test sets to play two nodes on this one machine).
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as queue from "../../queue/index.js";
import { cli, cliOk, killAllWorkers, startWorker, useStorage, waitUntil, type TestStorage } from "./helpers.js";

let storage: TestStorage;
afterEach(async () => {
  killAllWorkers();
  delete process.env.SLURMD_NODENAME;
  await storage.cleanup();
});

describe("a queue in PostgreSQL", () => {
  beforeEach(async () => {
    storage = await useStorage("postgres");
    // Only --db says where the queue is in this test.
    delete process.env.HPCFIT_QUEUE_DB;
  });

  it("is created, filled, worked, listed and deleted with --db on every verb; its folder keeps the logs", async () => {
    const { dir, db } = storage;
    expect(cliOk(dir, "create", "pgq", "--db", db!)).toMatch(
      /Created queue pgq in postgres:\/\/hpcfit@127\.0\.0\.1:\d+\/queue_test_\S+ \(logs in /,
    );
    // Without --db (and no $HPCFIT_QUEUE_DB) the name is looked up among the SQLite queues.
    expect(cli(dir, "status", "pgq").stderr).toMatch(/No queue named pgq/);
    cliOk(dir, "add", "pgq", "--db", db!, "--key", "first", "--", "echo one");
    cliOk(dir, "add", "pgq", "--db", db!, "--requires", "first", "--", "echo two");
    expect(cliOk(dir, "list", "--db", db!)).toMatch(/^pgq\s+active\s+2 tasks: WAITING 1, PENDING 1/);
    const worker = startWorker(dir, "pgq", "--db", db!);
    expect((await worker.done).code).toBe(0);
    const tasks = cliOk(dir, "tasks", "pgq", "--db", db!, "--json")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as queue.Task);
    expect(tasks.map((t) => t.state)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    expect(readFileSync(tasks[1].logFile!, "utf8")).toBe("two\n");
    expect(tasks[1].logFile!.startsWith(`${dir}/pgq/logs/`)).toBe(true);
    const status = cliOk(dir, "status", "pgq", "--db", db!);
    expect(status).toMatch(/SUCCEEDED 2/);
    expect(status).toMatch(/tasks per node/);
    cliOk(dir, "pause", "pgq", "--db", db!);
    expect((await (await queue.connect("pgq", { dir, db })).info()).state).toBe("paused");
    cliOk(dir, "delete", "pgq", "--db", db!);
    expect(cliOk(dir, "list", "--db", db!).trim()).toBe("(no queues)");
    expect(cli(dir, "tasks", "pgq", "--db", db!).stderr).toMatch(
      /No queue named pgq in postgres:\/\/.*there are no queues there yet/,
    );
  });

  it("is what $HPCFIT_QUEUE_DB names, and the library's { db } too; a second create of one name is refused", async () => {
    const { dir, db } = storage;
    const q = await queue.create("lib", { dir, db, maxAttempts: 2, retryOnFailure: false });
    expect(await q.info()).toMatchObject({ maxAttempts: 2, retryOnFailure: false, state: "active" });
    q.close();
    await expect(queue.create("lib", { dir, db })).rejects.toThrow(/Queue lib already exists in postgres:/);
    process.env.HPCFIT_QUEUE_DB = db;
    expect(cliOk(dir, "list")).toMatch(/^lib\s+active\s+0 tasks/);
    expect((await queue.list({ dir })).map((l) => l.name)).toEqual(["lib"]);
  });

  it("refuses a URL that is not PostgreSQL's and a server it cannot reach, clearly and without a trace", async () => {
    const { dir } = storage;
    expect(cli(dir, "create", "x", "--db", "/tmp/some.db").stderr).toMatch(
      /--db must be a PostgreSQL URL \(postgres:\/\/user@host\[:port\]\/database\), got "\/tmp\/some.db"/,
    );
    process.env.HPCFIT_QUEUE_DB = "mysql://h/d";
    expect(cli(dir, "list").stderr).toMatch(/\$HPCFIT_QUEUE_DB must be a PostgreSQL URL/);
    delete process.env.HPCFIT_QUEUE_DB;
    const r = cli(dir, "create", "x", "--db", "postgres://someone:secret@127.0.0.1:1/nowhere");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /Cannot use the PostgreSQL database postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED/,
    );
    expect(r.stderr).not.toMatch(/secret/);
    expect(cli(dir, "create", "x", "--db", "postgres://127.0.0.1/").stderr).toMatch(/names no database/);
    expect(cli(dir, "create", "x".repeat(60), "--db", storage.db!).stderr).toMatch(
      /too long for PostgreSQL: at most 50 characters/,
    );
  });

  it("releases a task required by many others exactly once they have all succeeded, with many workers finishing them at once", async () => {
    const { dir, db } = storage;
    const q = await queue.create("fan", { dir, db });
    // Three rounds: a lost release shows as a task left WAITING.
    for (let round = 0; round < 3; round++) {
      const ids = await q.addMany([
        ...Array.from({ length: 64 }, (_, i) => ({ params: { i }, key: `r${round}part${i}` })),
        { params: { i: -1 }, requires: Array.from({ length: 64 }, (_, i) => `r${round}part${i}`) },
      ]);
      const order: number[] = [];
      const summary = await q.work(
        async (t) => {
          order.push(t.id);
          await new Promise((r) => setTimeout(r, 2));
        },
        { workers: 12, pollSeconds: 0.02 },
      );
      expect(summary).toEqual({ succeeded: 65, failed: 0, retried: 0, abandoned: 0 });
      expect(new Set(order).size).toBe(65);
      expect(order[64]).toBe(ids[64]);
    }
    q.close();
  });
});

describe("a queue in SQLite", () => {
  beforeEach(async () => {
    storage = await useStorage("sqlite");
  });

  it("refuses a worker on a second node while a worker on another uses it, naming --db postgres:// as the way", async () => {
    const { dir } = storage;
    cliOk(dir, "create", "one");
    cliOk(dir, "add", "one", "--", "sleep 3");
    cliOk(dir, "add", "one", "--", "echo after");
    process.env.SLURMD_NODENAME = "node-a";
    const a = startWorker(dir, "one");
    const q = await queue.connect("one", { dir });
    await waitUntil("node-a runs the first task", async () => (await q.task(1))?.state === "RUNNING");
    process.env.SLURMD_NODENAME = "node-b";
    const b = startWorker(dir, "one");
    const refused = await b.done;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Queue one is a SQLite queue in use on node node-a \(.*\); this worker runs on node node-b\./);
    expect(refused.stderr).toMatch(/hpcfit queue create one --db postgres:\/\//);
    expect((await a.done).code).toBe(0);
    const tasks = await q.tasks();
    expect(tasks.map((t) => [t.state, t.node])).toEqual([
      ["SUCCEEDED", "node-a"],
      ["SUCCEEDED", "node-a"],
    ]);
    expect(tasks[0].history.map((h) => h.node)).toEqual(["node-a"]);
    q.close();
  });
});
