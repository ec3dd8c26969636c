/**
 * The queue library in-process: adding (all or nothing), bad input refused with clear errors,
 * dependencies, priorities, retry/rerun and the status summary. Worker processes are in
 * workers.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as queue from "../../queue/index.js";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import {
  ECHO_ARGV,
  TRICKY_WORDS,
  complete,
  completeAndClaim,
  running,
  STORAGES,
  TEST_PLACE,
  useStorage,
  type TestStorage,
} from "./helpers.js";

describe.each(STORAGES)("with the %s storage", (kind) => {
  let dir: string;
  let storage: TestStorage;
  beforeEach(async () => {
    storage = await useStorage(kind);
    dir = storage.dir;
  });
  afterEach(() => storage.cleanup());

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
      const ids = await q.addMany([{ params: { model: "m1", steps: 10 } }, { params: { model: "two words", steps: 5 } }], {
        script: "fit {model} --steps {steps} ${HOME} {{literal}}",
      });
      const tasks = await q.tasks({ ids });
      expect(tasks.map((t) => t.command)).toEqual([
        "fit m1 --steps 10 ${HOME} {literal}",
        "fit 'two words' --steps 5 ${HOME} {literal}",
      ]);
      expect(tasks[1].params).toEqual({ model: "two words", steps: 5 });
      q.close();
    });

    it("adds a large batch to an empty queue exactly: ids in order, text as given, dependencies, then unique keys and claims by priority", async () => {
      const q = await queue.create("big", { dir });
      const n = 12_000;
      // Characters that a bulk transfer's text format would read as separators or escapes.
      const odd = "tab\there\nnew line\r \\N back\\slash \\t é ✓";
      const tasks: queue.TaskInput[] = Array.from({ length: n }, (_, i) => ({ command: `echo ${i}`, key: `k${i}` }));
      tasks[2] = { argv: ["prog", "a\tb", "\\N", ""], key: "k2", params: { note: "x\ny\\" } };
      tasks[5] = { command: odd, key: "k5" };
      tasks[7000].priority = 5;
      tasks[n - 1].requires = ["k0", "k1"];
      const ids = await q.addMany(tasks);
      expect(ids).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      const [t3, t6] = await q.tasks({ ids: [3, 6] });
      expect(t3).toMatchObject({ command: null, argv: ["prog", "a\tb", "\\N", ""], params: { note: "x\ny\\" }, key: "k2" });
      expect(t6.command).toBe(odd);
      expect(await q.task(n)).toMatchObject({ state: "WAITING", requires: [1, 2], key: `k${n - 1}` });
      expect((await q.status()).counts).toMatchObject({ PENDING: n - 1, WAITING: 1, RUNNING: 0 });
      // Keys stay unique, and a second addition goes on from the last id.
      await expect(q.add({ command: "true", key: "k9" })).rejects.toThrow(/A task with key "k9" already exists in queue big/);
      expect((await q.add({ command: "true", key: "later" })).id).toBe(n + 1);
      q.close();
      const store = await storage.open("big");
      // The claim order is priority, then id; finishing tasks 1 and 2 releases the last task.
      const claimed = await store.claimBatch("w", 3, 60_000, TEST_PLACE);
      expect(claimed.map((t) => t.id)).toEqual([7001, 1, 2]);
      const done = await store.exchange("w", {
        finished: claimed.map((t) => ({ id: t.id, attempt: t.attempt, outcome: { exitCode: 0, error: null } })),
      });
      expect(done.states).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
      expect((await store.tasks({ ids: [n] }))[0].state).toBe("PENDING");
      store.close();
    });

    it("adds nothing when any task of a batch is bad", async () => {
      const q = await queue.create("t", { dir });
      await q.add({ command: "true", key: "first" });
      const bad: Array<[Parameters<typeof q.addMany>, RegExp]> = [
        [
          [[{ params: { model: "m" } }, { params: { steps: 1 } }], { script: "fit {model}" }],
          /task 2 of the batch: Template field \{model\} is missing .*it has: steps/,
        ],
        [[[{ command: "true" }, { command: "true", requires: [99] }]], /requires task 99, which does not exist/],
        [[[{ command: "true", requires: ["ghost"] }]], /requires task "ghost", which does not exist/],
        [
          [
            [
              { command: "a", key: "x", requires: ["y"] },
              { command: "b", key: "y", requires: ["z"] },
              { command: "c", key: "z", requires: ["x"] },
            ],
          ],
          /Dependency cycle: x -> y -> z -> x/,
        ],
        [[[{ command: "a", key: "self", requires: ["self"] }]], /requires itself/],
        [[[{ command: "a", key: "first" }]], /key "first" already exists/],
        [[[{ command: "a", priority: 1.5 }]], /priority must be an integer/],
        [[[{}]], /needs a command, an argument vector or parameters/],
        [[[{ argv: [] }]], /argv must be a non-empty list of strings/],
        [[[{ argv: ["echo", 3 as unknown as string] }]], /argv must be a non-empty list of strings/],
        [[[{ argv: ["", "x"] }]], /argv's first word \(the program\) is empty/],
        [[[{ argv: ["echo", "a\0b"] }]], /argv holds a NUL character/],
        [[[{ command: "echo a", argv: ["echo", "a"] }]], /has both a shell command and an argument vector/],
        [[[{ argv: ["echo"], params: { a: 1 } }], { script: "fit {a}" }], /has its own command and a --script template/],
      ];
      for (const [args, message] of bad) await expect(q.addMany(...args)).rejects.toThrow(message);
      const status = await q.status();
      expect(status.total).toBe(1);
      q.close();
    });

    it("loads commands and JSON lines; a malformed line names its line number and adds nothing", async () => {
      const q = await queue.create("t", { dir });
      const ids = await q.load(
        '# comment\necho one\n\n{"command": "echo two", "priority": 3, "key": "two"}\n{"command": "echo three", "requires": ["two"]}\n',
      );
      expect(ids).toEqual([1, 2, 3]);
      const tasks = await q.tasks();
      expect(tasks.map((t) => [t.command, t.priority, t.state, t.requires])).toEqual([
        ["echo one", 0, "PENDING", []],
        ["echo two", 3, "PENDING", []],
        ["echo three", 0, "WAITING", [2]],
      ]);
      await expect(q.load('echo fine\n{"command": "x",\n', { source: "jobs.txt" })).rejects.toThrow(
        /jobs.txt, line 2: malformed JSON/,
      );
      await expect(q.load('{"model": "a"}\n{"modle": "b"}\n', { script: "fit {model}", source: "p.jsonl" })).rejects.toThrow(
        /p.jsonl, line 2: Template field \{model\} is missing/,
      );
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
        // One task per claim: a batch runs in priority order but is claimed all at once, so a
        // retry or a released dependent would wait for the batch's end.
        { pollSeconds: 0.05, batch: 1 },
      );
      // after-low (priority 100) waits for low (priority 0), so it runs last; bad (priority 5)
      // fails and is run again at once, until its three attempts are spent.
      expect(order).toEqual([2, 4, 4, 4, 1, 3]);
      expect(summary).toEqual({ succeeded: 3, failed: 1, retried: 2, abandoned: 0 });
      const byKey = new Map((await q.tasks()).map((t) => [t.key, t]));
      expect(byKey.get("bad")!.error).toMatch(/Error: boom/);
      expect(byKey.get("bad")!.attempts).toBe(3);
      expect(byKey.get("bad")!.history.map((a) => [a.attempt, a.exitCode, a.error])).toEqual([
        [1, 1, "Error: boom"],
        [2, 1, "Error: boom"],
        [3, 1, "Error: boom"],
      ]);
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
      await q.work((task) => void rerunOrder.push(task.id), { pollSeconds: 0.05, batch: 1 });
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

    it("completes a task and claims the next in one call: the dependent it released, with both attempts on record", async () => {
      const q = await queue.create("t", { dir, maxAttempts: 2 });
      await q.add({ command: "true", key: "first" });
      await q.add({ command: "true", key: "second", requires: ["first"] });
      await q.add({ command: "false", key: "third", requires: ["second"] });
      q.close();
      const store = await storage.open("t");
      const first = await store.claim("w1", 60_000, TEST_PLACE);
      expect(first).toMatchObject({ id: 1, attempt: 1 });
      // Task 2 waits on task 1: only this completion makes it claimable, and the same call takes it.
      const a = await completeAndClaim(store, 1, "w1", 1, { exitCode: 0, error: null }, 60_000, TEST_PLACE);
      expect(a.state).toBe("SUCCEEDED");
      expect(a.next).toMatchObject({ id: 2, attempt: 1, worker: "w1", state: "RUNNING", node: TEST_PLACE.node });
      expect(a.next!.history.map((h) => [h.attempt, h.worker, h.finishedAt])).toEqual([[1, "w1", null]]);
      // A worker that no longer holds its task changes nothing, but still gets the next one.
      const stale = await completeAndClaim(store, 1, "w1", 1, { exitCode: 0, error: null }, 60_000, TEST_PLACE);
      expect(stale).toEqual({ state: null, next: null });
      // A failure with attempts left goes back in line, and the same call claims it again.
      const b = await completeAndClaim(store, 2, "w1", 1, { exitCode: 0, error: null }, 60_000, TEST_PLACE);
      expect(b).toMatchObject({ state: "SUCCEEDED", next: { id: 3, attempt: 1 } });
      const c = await completeAndClaim(store, 3, "w1", 1, { exitCode: 1, error: null }, 60_000, TEST_PLACE);
      expect(c).toMatchObject({ state: "PENDING", next: { id: 3, attempt: 2 } });
      const d = await completeAndClaim(store, 3, "w1", 2, { exitCode: 1, error: null }, 60_000, TEST_PLACE);
      expect(d).toEqual({ state: "FAILED", next: null });
      const tasks = await store.tasks({});
      expect(tasks.map((t) => [t.id, t.state, t.attempts])).toEqual([
        [1, "SUCCEEDED", 1],
        [2, "SUCCEEDED", 1],
        [3, "FAILED", 2],
      ]);
      expect(tasks[2].history.map((h) => [h.attempt, h.exitCode])).toEqual([
        [1, 1],
        [2, 1],
      ]);
      store.close();
    });

    it("returns an expired lease to PENDING as an attempt, ignores the lost worker's result, fails after max attempts", async () => {
      const q = await queue.create("t", { dir, maxAttempts: 2 });
      await q.add({ command: "true", key: "only" });
      await q.add({ command: "true", requires: ["only"] });
      q.close();
      const store = await storage.open("t");
      const first = await store.claim("w1", 50, TEST_PLACE);
      expect(first).toMatchObject({ id: 1, attempt: 1, worker: "w1", state: "RUNNING" });
      expect(await store.claim("w2", 50, TEST_PLACE)).toBeNull(); // never two workers on one task
      await new Promise((r) => setTimeout(r, 80));
      const second = await store.claim("w2", 50, TEST_PLACE);
      expect(second).toMatchObject({ id: 1, attempt: 2, worker: "w2" });
      // The first worker comes back late: its heartbeat and its result are refused.
      expect(await store.heartbeat(1, "w1", 1, 50)).toBe(false);
      expect(await complete(store, 1, "w1", 1, { exitCode: 0, error: null })).toBeNull();
      await new Promise((r) => setTimeout(r, 80));
      // Second lease expired too: two attempts of two, so the task fails, and its dependent with it.
      expect(await store.claim("w3", 50, TEST_PLACE)).toBeNull();
      const [t1, t2] = await store.tasks({});
      expect(t1).toMatchObject({ state: "FAILED", attempts: 2 });
      expect(t1.error).toMatch(/lease of worker w2 expired during attempt 2 of 2/);
      // Both attempts are on record as lost: no exit code, the reason, and the worker.
      expect(t1.history.map((a) => [a.attempt, a.worker, a.exitCode, a.error])).toEqual([
        [1, "w1", null, "lease of worker w1 expired during attempt 1 of 2"],
        [2, "w2", null, "lease of worker w2 expired during attempt 2 of 2"],
      ]);
      expect(t2).toMatchObject({ state: "FAILED", error: "requires task 1, which failed" });
      store.close();
    });
  });

  describe("a worker loop that fails", () => {
    it("stops the other loops, whose tasks are ended and given back, before its error is thrown", async () => {
      const q = await queue.create("boom", { dir });
      const pidFile = join(dir, "pid");
      await q.add({ argv: ["sh", "-c", `echo $$ > ${pidFile}; exec sleep 30`], priority: 1 });
      await q.add({ argv: ["sh", "-c", `while [ ! -e ${pidFile} ]; do sleep 0.05; done`] });
      const error = await q
        .work(undefined, {
          workers: 2,
          pollSeconds: 0.05,
          onTask: (r) => {
            if (r.task.id === 2) throw new Error("the report failed");
          },
        })
        .then(
          () => null,
          (e: unknown) => e as Error,
        );
      expect(error?.message).toBe("the report failed");
      const sleeper = Number(readFileSync(pidFile, "utf8"));
      expect(running(sleeper)).toBe(false);
      const [long] = await q.tasks({ ids: [1] });
      expect(long.history[0].error).toMatch(/stopped and gave the task back/);
      q.close();
    });
  });

  describe("commands as argument vectors or shell command lines", () => {
    it("runs an argument vector without a shell, each word reaching the program exactly as given", async () => {
      const q = await queue.create("argv", { dir });
      const task = await q.add({ argv: [...ECHO_ARGV, ...TRICKY_WORDS] });
      expect(task).toMatchObject({ command: null, argv: [...ECHO_ARGV, ...TRICKY_WORDS] });
      // Stored and read back unchanged, also in a fresh connection.
      q.close();
      const again = await queue.connect("argv", { dir });
      expect((await again.task(task.id))!.argv).toEqual([...ECHO_ARGV, ...TRICKY_WORDS]);
      expect(await again.work(undefined, { pollSeconds: 0.05 })).toMatchObject({ succeeded: 1, failed: 0 });
      const done = (await again.task(task.id))!;
      expect(done).toMatchObject({ state: "SUCCEEDED", exitCode: 0 });
      expect(JSON.parse(readFileSync(done.logFile!, "utf8"))).toEqual(TRICKY_WORDS);
      again.close();
    });

    it("runs a shell command line with /bin/sh -c, exactly as the shell itself runs it", async () => {
      const q = await queue.create("sh", { dir });
      const command = `x='a b;c'; printf '<%s>' "$x" $x "back\\slash" 'it'"'"'s' "\\$HOME" "$HPCFIT_TASK_ID"; printf '\n'; echo 'two
  lines'; exit 0`;
      const task = await q.add({ command });
      expect(task).toMatchObject({ command, argv: null });
      await q.work(undefined, { pollSeconds: 0.05 });
      const done = (await q.task(task.id))!;
      expect(done.state).toBe("SUCCEEDED");
      const reference = spawnSync("/bin/sh", ["-c", command], {
        encoding: "utf8",
        env: { ...process.env, HPCFIT_TASK_ID: String(task.id) },
      });
      expect(reference.stdout).toContain("<a b;c><a><b;c><back\\slash><it's><$HOME><1>");
      expect(readFileSync(done.logFile!, "utf8")).toBe(reference.stdout);
      q.close();
    });

    it("fails a task whose program does not exist with exit code 127, as a shell would, and says so in its log", async () => {
      const q = await queue.create("missing", { dir, maxAttempts: 1 });
      await q.add({ argv: ["hpcfit-no-such-program", "x"] });
      expect(await q.work(undefined, { pollSeconds: 0.05 })).toMatchObject({ failed: 1 });
      const task = (await q.task(1))!;
      expect(task).toMatchObject({ state: "FAILED", exitCode: 127, error: "command not found: hpcfit-no-such-program" });
      expect(readFileSync(task.logFile!, "utf8")).toBe("hpcfit: command not found: hpcfit-no-such-program\n");
      q.close();
    });

    it("loads argument vectors from JSON lines, newlines and all", async () => {
      const q = await queue.create("lines", { dir });
      const ids = await q.load(`${JSON.stringify({ argv: [...ECHO_ARGV, ...TRICKY_WORDS], key: "v" })}\necho plain line\n`);
      const [a, b] = await q.tasks({ ids });
      expect(a).toMatchObject({ key: "v", argv: [...ECHO_ARGV, ...TRICKY_WORDS], command: null });
      expect(b).toMatchObject({ argv: null, command: "echo plain line" });
      q.close();
    });
  });

  describe("retries on failure", () => {
    it("runs a failed task again until it succeeds, its dependents waiting meanwhile, each attempt's exit code kept", async () => {
      const q = await queue.create("flaky", { dir, maxAttempts: 3 });
      await q.add({ params: { n: 1 }, key: "flaky" });
      await q.add({ params: { n: 2 }, requires: ["flaky"] });
      const seen: Array<[number, number, string]> = [];
      const summary = await q.work(
        async (task) => {
          const dependent = (await q.task(2))!.state;
          seen.push([task.id, task.attempt, dependent]);
          return task.id === 1 && task.attempt < 3 ? 10 + task.attempt : 0;
        },
        { pollSeconds: 0.05 },
      );
      expect(seen).toEqual([
        [1, 1, "WAITING"],
        [1, 2, "WAITING"],
        [1, 3, "WAITING"],
        [2, 1, "RUNNING"],
      ]);
      expect(summary).toEqual({ succeeded: 2, failed: 0, retried: 2, abandoned: 0 });
      const flaky = (await q.task(1))!;
      expect(flaky).toMatchObject({ state: "SUCCEEDED", attempts: 3, exitCode: 0, error: null });
      expect(flaky.history.map((a) => a.exitCode)).toEqual([11, 12, 0]);
      expect(queue.formatTaskTable([flaky])).toMatch(/^1 \(flaky\)\s+SUCCEEDED\s+0\s+3\s+11,12,0\s/m);
      q.close();
    });

    it("fails at once when the queue does not retry failures, and still retries a lost worker's task", async () => {
      const q = await queue.create("strict", { dir, maxAttempts: 3, retryOnFailure: false });
      expect(await q.info()).toMatchObject({ maxAttempts: 3, retryOnFailure: false });
      await q.add({ params: { n: 1 } });
      expect(await q.work(() => 7, { pollSeconds: 0.05 })).toEqual({ succeeded: 0, failed: 1, retried: 0, abandoned: 0 });
      expect(await q.task(1)).toMatchObject({ state: "FAILED", attempts: 1, exitCode: 7, error: "exit code 7" });
      q.close();
      const store = await storage.open("strict");
      await store.insert([
        { key: null, command: "true", argv: null, params: null, priority: 0, requiresIds: [], requiresBatch: [] },
      ]);
      expect(await store.claim("lost", 30, TEST_PLACE)).toMatchObject({ id: 2, attempt: 1 });
      await new Promise((r) => setTimeout(r, 60));
      expect(await store.claim("next", 30_000, TEST_PLACE)).toMatchObject({ id: 2, attempt: 2 });
      store.close();
      await expect(queue.create("bad", { dir, retryOnFailure: "no" as unknown as boolean })).rejects.toThrow(
        /retryOnFailure must be true or false/,
      );
    });

    it("a retried task's failed attempts are forgotten by retry, which gives it its attempts afresh", async () => {
      const q = await queue.create("again", { dir, maxAttempts: 2 });
      await q.add({ params: { n: 1 } });
      await q.work(() => 3, { pollSeconds: 0.05 });
      expect((await q.task(1))!.history.map((a) => a.exitCode)).toEqual([3, 3]);
      expect(await q.retry()).toBe(1);
      expect(await q.task(1)).toMatchObject({ state: "PENDING", attempts: 0, history: [] });
      await q.work((task) => (task.attempt === 1 ? 4 : 0), { pollSeconds: 0.05 });
      expect((await q.task(1))!.history.map((a) => [a.attempt, a.exitCode])).toEqual([
        [1, 4],
        [2, 0],
      ]);
      q.close();
    });
  });
});
