/**
 * Workers that claim several tasks per exchange with the storage: concurrent worker processes
 * draining one queue in batches take each task exactly once; a worker keeps the leases of the
 * tasks it has claimed and not started; a worker SIGKILLed with a batch
 * claimed loses none of it (the leases run out and the tasks run elsewhere); one stopped cleanly
 * gives its unstarted tasks back at once, unspent; a released claim leaves its task exactly as it
 * was; the automatic size batches short tasks and claims long ones one at a time; and the same
 * batched run ends with the same records in SQLite and in PostgreSQL.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as queue from "../../queue/index.js";
import {
  ROOT,
  complete,
  release,
  STORAGES,
  TEST_PLACE,
  cliOk,
  killAllWorkers,
  startWorker,
  useStorage,
  waitUntil,
  type StorageKind,
  type TestStorage,
} from "./helpers.js";

/**
 * A worker process running `q.work` with function tasks that do nothing but note their id. It
 * says when it is about to work (`ready`), and prints the ids it ran and the largest batch a
 * claim handed it.
 */
function functionWorker(
  dir: string,
  name: string,
  options: queue.WorkOptions,
): { ready: Promise<void>; done: Promise<{ ran: number[]; largest: number }> } {
  const script = `
    const queue = await import(${JSON.stringify(join(ROOT, "dist", "queue", "index.js"))});
    const q = await queue.connect(${JSON.stringify(name)}, { dir: ${JSON.stringify(dir)} });
    const ran = [];
    let largest = 0;
    // Each task takes a millisecond (a sleep, no CPU): a process that got the cores first would
    // otherwise drain the whole queue before the others' first poll on a busy machine.
    const nap = new Int32Array(new SharedArrayBuffer(4));
    process.stderr.write("ready\\n");
    await q.work((t) => {
      Atomics.wait(nap, 0, 0, 1);
      ran.push(t.id);
    }, {
      ...${JSON.stringify(options)},
      onTask: (r) => { largest = Math.max(largest, r.claimedWith); },
    });
    q.close();
    process.stdout.write(JSON.stringify({ ran, largest }));`;
  const c = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  c.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const ready = new Promise<void>((resolve) =>
    c.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      if (err.includes("ready\n")) resolve();
    }),
  );
  const done = new Promise<{ ran: number[]; largest: number }>((resolve, reject) =>
    c.on("close", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker exited ${code}: ${err}`)))),
  );
  return { ready: Promise.race([ready, done.then(() => undefined)]), done };
}

describe.each(STORAGES)("with the %s storage", (kind) => {
  let storage: TestStorage;
  let dir: string;
  beforeEach(async () => {
    storage = await useStorage(kind);
    dir = storage.dir;
  });
  afterEach(async () => {
    killAllWorkers();
    await storage.cleanup();
  });

  it("several worker processes draining one queue in batches claim each task exactly once", async () => {
    const q = await queue.create("drain", { dir });
    const n = 1200;
    await q.addMany(Array.from({ length: n }, (_, i) => ({ params: { i }, priority: i % 3 })));
    // Paused until every worker process is up, so that they all drain it together.
    await q.pause();
    const workers = Array.from({ length: 4 }, () => functionWorker(dir, "drain", { workers: 2, batch: 25, pollSeconds: 0.05 }));
    await Promise.all(workers.map((w) => w.ready));
    await q.resume();
    const results = await Promise.all(workers.map((w) => w.done));
    const ran = results.flatMap((r) => r.ran);
    expect(ran).toHaveLength(n);
    expect(new Set(ran).size).toBe(n);
    // The claims really were batches, taken by several processes at once.
    expect(Math.max(...results.map((r) => r.largest))).toBe(25);
    expect(results.filter((r) => r.ran.length > 0).length).toBeGreaterThan(1);
    const tasks = await q.tasks();
    expect(tasks.every((t) => t.state === "SUCCEEDED" && t.attempts === 1 && t.history.length === 1)).toBe(true);
    q.close();
  }, 120_000);

  it("keeps the leases of the claimed tasks it has not started yet, so no other worker takes them meanwhile", async () => {
    cliOk(dir, "create", "hold");
    for (let i = 1; i <= 6; i++) cliOk(dir, "add", "hold", "--", "sleep 1.2");
    // Each worker's last task of three waits 2.4 s to start, more than twice its lease.
    const a = startWorker(dir, "hold", "--batch", "3", "--lease", "1");
    const b = startWorker(dir, "hold", "--batch", "3", "--lease", "1");
    expect((await a.done).code).toBe(0);
    expect((await b.done).code).toBe(0);
    const q = await queue.connect("hold", { dir });
    const tasks = await q.tasks();
    q.close();
    expect(tasks.map((t) => [t.state, t.attempts, t.history.length])).toEqual(Array(6).fill(["SUCCEEDED", 1, 1]));
  }, 60_000);

  it("loses no task of a batch whose worker is SIGKILLed: the leases run out and the tasks run to completion elsewhere, once", async () => {
    const log = join(dir, "done.txt");
    writeFileSync(log, "");
    cliOk(dir, "create", "kill");
    for (let i = 1; i <= 6; i++) cliOk(dir, "add", "kill", "--", `sleep 0.3; echo ${i} >> ${log}`);
    const a = startWorker(dir, "kill", "--batch", "4", "--lease", "1");
    const q = await queue.connect("kill", { dir });
    await waitUntil("worker A holds a batch", async () => (await q.tasks({ state: "RUNNING" })).length === 4);
    const held = (await q.tasks({ state: "RUNNING" })).map((t) => t.id);
    a.killHard();
    await a.done;
    // Dead, it still holds its batch until the leases run out.
    expect((await q.status()).counts.RUNNING).toBe(4);
    const b = startWorker(dir, "kill", "--batch", "4", "--lease", "1");
    expect((await b.done).code).toBe(0);
    const done = readFileSync(log, "utf8").trim().split("\n").map(Number);
    expect(done.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
    const tasks = await q.tasks();
    expect(tasks.every((t) => t.state === "SUCCEEDED")).toBe(true);
    for (const t of tasks) {
      if (held.includes(t.id)) {
        // Started or not, a task of the dead worker's batch lost an attempt with its lease.
        expect(t.attempts).toBe(2);
        expect(t.history[0].worker).toMatch(new RegExp(`:${a.child.pid}$`));
        expect(t.history[0].error).toMatch(/lease of worker .* expired during attempt 1 of 3/);
      } else {
        expect(t.attempts).toBe(1);
      }
      expect(t.worker).toMatch(new RegExp(`:${b.child.pid}$`));
    }
    q.close();
  }, 60_000);

  it("gives back the unstarted tasks of its batch at once and unspent when it is stopped cleanly", async () => {
    const log = join(dir, "started.txt");
    writeFileSync(log, "");
    cliOk(dir, "create", "stop");
    for (let i = 1; i <= 6; i++) cliOk(dir, "add", "stop", "--", `echo ${i} >> ${log}; sleep 30`);
    // A lease far longer than the test: only the release lets anyone else run these tasks.
    const a = startWorker(dir, "stop", "--batch", "4", "--lease", "600");
    const q = await queue.connect("stop", { dir });
    await waitUntil("worker A started its first task", () => readFileSync(log, "utf8") !== "");
    expect((await q.status()).counts).toMatchObject({ RUNNING: 4, PENDING: 2 });
    a.child.kill("SIGTERM");
    const stopped = await a.done;
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/0 succeeded, 0 failed, 0 failed attempt\(s\) retried, 1 given back/);
    const tasks = await q.tasks();
    // The task it ran was stopped and handed back (its attempt spent); the other three of its
    // batch are as though never claimed: PENDING, no attempt, no worker.
    const [first, ...rest] = tasks;
    expect(first.history).toHaveLength(1);
    expect(first.history[0].error).toMatch(/stopped and gave the task back/);
    for (const t of rest) expect(t).toMatchObject({ state: "PENDING", attempts: 0, worker: null, history: [] });
    // At once: another worker claims them now, not after a lease.
    const store = await storage.open("stop");
    const claimed = await store.claimBatch("w2", 10, 60_000, TEST_PLACE);
    expect(claimed.map((t) => [t.id, t.attempt])).toEqual([
      [1, 2],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 1],
      [6, 1],
    ]);
    store.close();
    q.close();
  }, 60_000);

  it("leaves a released task exactly as it was before its claim, after a retried failure and after a lost lease", async () => {
    const q = await queue.create("back", { dir, maxAttempts: 4 });
    await q.addMany([{ command: "true" }, { command: "true" }]);
    q.close();
    const store = await storage.open("back");
    // Task 1 fails once and waits to run again; task 2's worker loses its lease.
    const [one, two] = await store.claimBatch("w1", 2, 40, TEST_PLACE);
    expect([one.id, two.id]).toEqual([1, 2]);
    await store.setLogFile(1, "w1", 1, join(dir, "one.log"));
    expect(await complete(store, 1, "w1", 1, { exitCode: 3, error: null })).toBe("PENDING");
    await new Promise((r) => setTimeout(r, 80));
    expect(await store.reclaimExpired()).toBe(1);
    const before = await store.tasks({});
    expect(before.map((t) => [t.state, t.attempts, t.error])).toEqual([
      ["PENDING", 1, "exit code 3 (attempt 1 of 4; it runs again)"],
      ["PENDING", 1, "lease of worker w1 expired during attempt 1 of 4"],
    ]);
    const again = await store.claimBatch("w2", 5, 60_000, { node: TEST_PLACE.node, jobId: "77" });
    expect(again.map((t) => [t.id, t.attempt])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    // A worker that does not hold them releases nothing.
    expect(await release(store, "w1", [{ id: 1, attempt: 2 }])).toBe(0);
    expect(
      await release(store, "w2", [
        { id: 1, attempt: 2 },
        { id: 2, attempt: 2 },
      ]),
    ).toBe(2);
    expect(await store.tasks({})).toEqual(before);
    store.close();
  });

  it("sizes automatic batches by the tasks' duration: short tasks many at a time, long ones singly, and gives back what turns long", async () => {
    const q = await queue.create("auto", { dir });
    // 300 tasks that take no time, then 6 that take 150 ms each.
    await q.addMany(Array.from({ length: 306 }, (_, i) => ({ params: { long: i >= 300 } })));
    const reports: queue.TaskReport[] = [];
    const summary = await q.work(
      async (t) => {
        if (t.params!.long) await new Promise((r) => setTimeout(r, 150));
      },
      { pollSeconds: 0.05, onTask: (r) => void reports.push(r) },
    );
    expect(summary).toEqual({ succeeded: 306, failed: 0, retried: 0, abandoned: 0 });
    const sizes = new Map(reports.map((r) => [r.task.id, r.claimedWith]));
    // The first claim takes one task: nothing is known of their duration yet.
    expect(sizes.get(1)).toBe(1);
    expect(Math.max(...reports.filter((r) => r.task.id <= 300).map((r) => r.claimedWith))).toBeGreaterThan(10);
    // A batch that reached the long tasks gave back those beyond what it would claim now, unspent;
    // from then on they were claimed one or two at a time (200 ms held at most).
    const tasks = await q.tasks();
    expect(tasks.every((t) => t.attempts === 1 && t.history.length === 1)).toBe(true);
    const longs = reports.filter((r) => r.task.id > 300).map((r) => r.claimedWith);
    expect(longs.slice(2).every((n) => n <= 2)).toBe(true);
    q.close();
  });
});

/**
 * One scripted run on a storage: one worker loop, batches of 4, a stop in the middle (its
 * running task handed back, the rest of its batch released), then a run to the end. Returns
 * the order tasks ran in, the summaries, and the tasks' records without times and worker names.
 */
async function scriptedRun(kind: StorageKind) {
  const storage = await useStorage(kind);
  try {
    const { dir } = storage;
    const q = await queue.create("same", { dir, maxAttempts: 3 });
    await q.addMany([
      { params: { name: "a" }, key: "a" },
      { params: { name: "b" }, priority: 5 },
      { params: { name: "c", flaky: true }, priority: 3, key: "c" },
      { params: { name: "d" }, priority: 9, requires: ["a"] },
      { params: { name: "e", stop: true }, priority: 1 },
      { params: { name: "f" }, priority: 2, requires: ["c"] },
      { params: { name: "g", fails: true }, key: "g" },
      { params: { name: "h" }, priority: 4, requires: ["g"] },
    ]);
    const order: string[] = [];
    const stop = new AbortController();
    const fn: queue.TaskFunction = (t) => {
      order.push(`${t.params!.name as string}${t.attempt}`);
      if (t.params!.stop && t.attempt === 1) stop.abort();
      if (t.params!.fails) return 7;
      if (t.params!.flaky && t.attempt === 1) return 1;
      return 0;
    };
    const first = await q.work(fn, { batch: 4, signal: stop.signal, pollSeconds: 0.05 });
    const between = (await q.tasks()).map((t) => [t.id, t.state, t.attempts, t.exitCode, t.error]);
    const second = await q.work(fn, { batch: 4, pollSeconds: 0.05 });
    const records = (await q.tasks()).map((t) => ({
      id: t.id,
      state: t.state,
      attempts: t.attempts,
      exitCode: t.exitCode,
      error: t.error,
      requires: t.requires,
      history: t.history.map((h) => [h.attempt, h.exitCode, h.error === null ? null : h.error.replace(/worker \S+/, "worker W")]),
    }));
    q.close();
    return { order, first, between, second, records };
  } finally {
    await storage.cleanup();
  }
}

it("ends a batched run with a stop in the middle with the same records in SQLite and in PostgreSQL", async () => {
  const sqlite = await scriptedRun("sqlite");
  const postgres = await scriptedRun("postgres");
  expect(postgres).toEqual(sqlite);
  // What both did: the first batch [b, c, e, a] stopped at e, a was released unstarted; the
  // second run took c, e, a and g again by priority, then the dependents they released.
  expect(sqlite.order).toEqual(["b1", "c1", "e1", "c2", "e2", "a1", "g1", "d1", "f1", "g2", "g3"]);
  expect(sqlite.first).toEqual({ succeeded: 1, failed: 0, retried: 1, abandoned: 1 });
  expect(sqlite.between).toEqual([
    [1, "PENDING", 0, null, null],
    [2, "SUCCEEDED", 1, 0, null],
    [3, "PENDING", 1, 1, "exit code 1 (attempt 1 of 3; it runs again)"],
    [4, "WAITING", 0, null, null],
    [5, "RUNNING", 1, null, null],
    [6, "WAITING", 0, null, null],
    [7, "PENDING", 0, null, null],
    [8, "WAITING", 0, null, null],
  ]);
  expect(sqlite.second).toEqual({ succeeded: 5, failed: 1, retried: 2, abandoned: 0 });
  expect(sqlite.records.map((r) => [r.id, r.state, r.attempts, r.error])).toEqual([
    [1, "SUCCEEDED", 1, null],
    [2, "SUCCEEDED", 1, null],
    [3, "SUCCEEDED", 2, null],
    [4, "SUCCEEDED", 1, null],
    [5, "SUCCEEDED", 2, null],
    [6, "SUCCEEDED", 1, null],
    [7, "FAILED", 3, "exit code 7"],
    [8, "FAILED", 0, "requires task 7, which failed"],
  ]);
  expect(sqlite.records[4].history).toEqual([
    [1, null, "worker W stopped and gave the task back"],
    [2, 0, null],
  ]);
}, 60_000);
