/**
 * The queue library in-process: adding (all or nothing), bad input refused with clear errors,
 * dependencies, priorities, retry/rerun and the status summary. Worker processes are in
 * workers.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as queue from "../../queue/index.js";
import { join } from "node:path";
import { SqliteQueueStorage } from "../../queue/sqlite-storage.js";
import { tempQueuesDir } from "./helpers.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempQueuesDir());
});
afterEach(() => cleanup());

describe("creating and connecting", () => {
  it("refuses unknown queues, bad names and duplicates with clear errors", async () => {
    await expect(queue.connect("nope", { dir })).rejects.toThrow(/No queue named nope/);
    await expect(queue.create("../evil", { dir })).rejects.toThrow(/Invalid queue name/);
    const q = await queue.create("a", { dir });
    q.close();
    await expect(queue.create("a", { dir })).rejects.toThrow(/already exists/);
    await expect(queue.connect("b", { dir })).rejects.toThrow(/queues: a/);
    const listed = await queue.list({ dir });
    expect(listed.map((l) => [l.name, l.state, l.total])).toEqual([["a", "active", 0]]);
  });
});

describe("adding tasks", () => {
  it("expands templates, keeps params, and shell-quotes values that need it", async () => {
    const q = await queue.create("t", { dir });
    const ids = await q.addMany(
      [{ params: { model: "m1", steps: 10 } }, { params: { model: "two words", steps: 5 } }],
      { script: "fit {model} --steps {steps} ${HOME} {{literal}}" },
    );
    const tasks = await q.tasks({ ids });
    expect(tasks.map((t) => t.command)).toEqual([
      "fit m1 --steps 10 ${HOME} {literal}",
      "fit 'two words' --steps 5 ${HOME} {literal}",
    ]);
    expect(tasks[1]!.params).toEqual({ model: "two words", steps: 5 });
    q.close();
  });

  it("adds nothing when any task of a batch is bad", async () => {
    const q = await queue.create("t", { dir });
    await q.add({ command: "true", key: "first" });
    const bad: Array<[Parameters<typeof q.addMany>, RegExp]> = [
      [[[{ params: { model: "m" } }, { params: { steps: 1 } }], { script: "fit {model}" }], /task 2 of the batch: Template field \{model\} is missing .*it has: steps/],
      [[[{ command: "true" }, { command: "true", requires: [99] }]], /requires task 99, which does not exist/],
      [[[{ command: "true", requires: ["ghost"] }]], /requires task "ghost", which does not exist/],
      [[[{ command: "a", key: "x", requires: ["y"] }, { command: "b", key: "y", requires: ["z"] }, { command: "c", key: "z", requires: ["x"] }]], /Dependency cycle: x -> y -> z -> x/],
      [[[{ command: "a", key: "self", requires: ["self"] }]], /requires itself/],
      [[[{ command: "a", key: "first" }]], /key "first" already exists/],
      [[[{ command: "a", priority: 1.5 }]], /priority must be an integer/],
      [[[{}]], /needs a command or parameters/],
    ];
    for (const [args, message] of bad) await expect(q.addMany(...args)).rejects.toThrow(message);
    const status = await q.status();
    expect(status.total).toBe(1);
    q.close();
  });

  it("loads commands and JSON lines; a malformed line names its line number and adds nothing", async () => {
    const q = await queue.create("t", { dir });
    const ids = await q.load('# comment\necho one\n\n{"command": "echo two", "priority": 3, "key": "two"}\n{"command": "echo three", "requires": ["two"]}\n');
    expect(ids).toEqual([1, 2, 3]);
    const tasks = await q.tasks();
    expect(tasks.map((t) => [t.command, t.priority, t.state, t.requires])).toEqual([
      ["echo one", 0, "PENDING", []],
      ["echo two", 3, "PENDING", []],
      ["echo three", 0, "WAITING", [2]],
    ]);
    await expect(q.load('echo fine\n{"command": "x",\n', { source: "jobs.txt" })).rejects.toThrow(/jobs.txt, line 2: malformed JSON/);
    await expect(q.load('{"model": "a"}\n{"modle": "b"}\n', { script: "fit {model}", source: "p.jsonl" })).rejects.toThrow(/p.jsonl, line 2: Template field \{model\} is missing/);
    await expect(q.load('{"command": "x", "prio": 1}\n')).rejects.toThrow(/unknown task field prio/);
    expect((await q.status()).total).toBe(3);
    q.close();
  });
});

describe("running in-process with q.work(fn)", () => {
  it("runs highest priority first, holds dependents until requirements succeed, fails them when one fails", async () => {
    const q = await queue.create("t", { dir });
    await q.addMany([
      { params: { n: 1 }, priority: 0, key: "low" },
      { params: { n: 2 }, priority: 10, key: "high" },
      { params: { n: 3 }, priority: 100, requires: ["low"], key: "after-low" },
      { params: { n: 4, fail: true }, priority: 5, key: "bad" },
      { params: { n: 5 }, priority: 50, requires: ["bad"], key: "after-bad" },
      { params: { n: 6 }, priority: 50, requires: ["after-bad"], key: "after-after-bad" },
    ]);
    const order: number[] = [];
    const summary = await q.work(
      (task) => {
        order.push(task.params!.n as number);
        if (task.params!.fail) throw new Error("boom");
      },
      { pollSeconds: 0.05 },
    );
    // after-low (priority 100) waits for low (priority 0), so it runs last.
    expect(order).toEqual([2, 4, 1, 3]);
    expect(summary).toEqual({ succeeded: 3, failed: 1, abandoned: 0 });
    const byKey = new Map((await q.tasks()).map((t) => [t.key, t]));
    expect(byKey.get("bad")!.error).toMatch(/Error: boom/);
    expect(byKey.get("after-bad")!.state).toBe("FAILED");
    expect(byKey.get("after-bad")!.error).toMatch(/requires task 4, which failed/);
    expect(byKey.get("after-after-bad")!.state).toBe("FAILED");
    expect(byKey.get("after-bad")!.attempts).toBe(0);

    // A task added later that requires a failed task fails at once.
    const late = await q.add({ command: "true", requires: ["bad"] });
    expect(late.state).toBe("FAILED");

    // retry requeues exactly the failed ones; dependents wait behind their requirement again.
    const n = await q.retry();
    expect(n).toBe(4);
    const after = new Map((await q.tasks()).map((t) => [t.key ?? String(t.id), t.state]));
    expect(after).toEqual(
      new Map([
        ["low", "SUCCEEDED"],
        ["high", "SUCCEEDED"],
        ["after-low", "SUCCEEDED"],
        ["bad", "PENDING"],
        ["after-bad", "WAITING"],
        ["after-after-bad", "WAITING"],
        [String(late.id), "WAITING"],
      ]),
    );
    const rerunOrder: number[] = [];
    await q.work((task) => void rerunOrder.push(task.id), { pollSeconds: 0.05 });
    expect(rerunOrder).toEqual([4, 5, 6, 7]);
    const status = await q.status();
    expect(status.counts).toEqual({ WAITING: 0, PENDING: 0, RUNNING: 0, SUCCEEDED: 7, FAILED: 0 });
    expect(status.rate).toBeGreaterThan(0);
    expect(status.etaSeconds).toBe(0);

    // rerun requeues everything that finished.
    expect(await q.rerun()).toBe(7);
    expect((await q.status()).counts.PENDING + (await q.status()).counts.WAITING).toBe(7);
    q.close();
  });

  it("returns an expired lease to PENDING as an attempt, ignores the lost worker's result, fails after max attempts", async () => {
    const q = await queue.create("t", { dir, maxAttempts: 2 });
    await q.add({ command: "true", key: "only" });
    await q.add({ command: "true", requires: ["only"] });
    q.close();
    const storage = SqliteQueueStorage.connect(join(dir, "t"), "t");
    const first = await storage.claim("w1", 50);
    expect(first).toMatchObject({ id: 1, attempt: 1, worker: "w1", state: "RUNNING" });
    expect(await storage.claim("w2", 50)).toBeNull(); // never two workers on one task
    await new Promise((r) => setTimeout(r, 80));
    const second = await storage.claim("w2", 50);
    expect(second).toMatchObject({ id: 1, attempt: 2, worker: "w2" });
    // The first worker comes back late: its heartbeat and its result are refused.
    expect(await storage.heartbeat(1, "w1", 1, 50)).toBe(false);
    expect(await storage.complete(1, "w1", 1, { exitCode: 0, error: null })).toBe(false);
    await new Promise((r) => setTimeout(r, 80));
    // Second lease expired too: two attempts of two, so the task fails, and its dependent with it.
    expect(await storage.claim("w3", 50)).toBeNull();
    const [t1, t2] = await storage.tasks({});
    expect(t1).toMatchObject({ state: "FAILED", attempts: 2 });
    expect(t1!.error).toMatch(/lease of worker w2 expired during attempt 2 of 2/);
    expect(t2).toMatchObject({ state: "FAILED", error: "requires task 1, which failed" });
    storage.close();
  });
});
