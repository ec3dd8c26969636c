/**
 * Real worker processes (`node dist/cli/main.js queue work`) sharing one queue database:
 * priority order, dependencies, a worker SIGKILLed mid-task, retry, tasks added while workers
 * run, pause and resume, and two workers never running one task twice.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as queue from "../../queue/index.js";
import {
  ECHO_ARGV,
  TRICKY_WORDS,
  cli,
  cliOk,
  killAllWorkers,
  running,
  startWorker,
  waitUntil,
  STORAGES,
  useStorage,
  type TestStorage,
} from "./helpers.js";

describe.each(STORAGES)("with the %s storage", (kind) => {
  let dir: string;
  let storage: TestStorage;
  let log: string;
  beforeEach(async () => {
    storage = await useStorage(kind);
    dir = storage.dir;
    log = join(dir, "ran.txt");
    writeFileSync(log, "");
  });
  afterEach(async () => {
    killAllWorkers();
    await storage.cleanup();
  });

  /** The tasks of `name` as `tasks --json` prints them. */
  function tasksJson(name: string): queue.Task[] {
    return cliOk(dir, "tasks", name, "--json")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as queue.Task);
  }

  /** Lines each task wrote to the shared log. */
  const ran = () => readFileSync(log, "utf8").split("\n").filter(Boolean);

  async function counts(name: string) {
    const q = await queue.connect(name, { dir });
    try {
      return (await q.status()).counts;
    } finally {
      q.close();
    }
  }

  describe("worker processes", () => {
    it("run tasks in priority order, hold dependents and fail them when a requirement fails", async () => {
      cliOk(dir, "create", "p");
      cliOk(dir, "add", "p", "--priority", "1", "--", `echo low >> ${log}`);
      cliOk(dir, "add", "p", "--priority", "9", "--key", "top", "--", `echo top >> ${log}`);
      cliOk(dir, "add", "p", "--priority", "5", "--", `echo mid >> ${log}`);
      cliOk(dir, "add", "p", "--priority", "100", "--requires", "1", "--", `echo after-low >> ${log}`);
      cliOk(dir, "add", "p", "--priority", "3", "--key", "broken", "--", `echo broken >> ${log}; exit 7`);
      cliOk(dir, "add", "p", "--priority", "50", "--requires", "broken,top", "--", `echo never >> ${log}`);
      expect(cliOk(dir, "tasks", "p", "--state", "WAITING")).toMatch(/after-low[\s\S]*never/);
      // One task per claim: the strict order of a single worker (a batch waits for its end to retry).
      const w = startWorker(dir, "p", "--workers", "1", "--batch", "1");
      const result = await w.done;
      expect(result.code).toBe(0);
      // broken fails and, having attempts left, runs again at once (it keeps its priority).
      expect(ran()).toEqual(["top", "mid", "broken", "broken", "broken", "low", "after-low"]);
      const failed = JSON.parse(`[${cliOk(dir, "tasks", "p", "--state", "FAILED", "--json").trim().split("\n").join(",")}]`);
      expect(failed.map((t: { id: number; exitCode: number | null; error: string }) => [t.id, t.exitCode, t.error])).toEqual([
        [5, 7, "exit code 7"],
        [6, null, "requires task 5, which failed"],
      ]);
      const logFile = failed[0].logFile as string;
      expect(readFileSync(logFile, "utf8")).toBe("");
    });

    it("re-run a task on another worker after its worker is SIGKILLed mid-task and its lease expires", async () => {
      cliOk(dir, "create", "k");
      // Each attempt writes its worker and attempt number, then works for a while.
      cliOk(dir, "add", "k", "--", `echo "$HPCFIT_WORKER $HPCFIT_TASK_ATTEMPT" >> ${log}; sleep 1; echo done >> ${log}`);
      const a = startWorker(dir, "k", "--lease", "1");
      await waitUntil("worker A started the task", () => ran().length === 1);
      a.killHard();
      await a.done;
      expect(await counts("k")).toMatchObject({ RUNNING: 1, SUCCEEDED: 0 });
      const b = startWorker(dir, "k", "--lease", "1");
      expect((await b.done).code).toBe(0);
      const [first, second, third] = ran();
      expect(ran()).toHaveLength(3);
      expect(first).toMatch(new RegExp(`:${a.child.pid} 1$`));
      expect(second).toMatch(new RegExp(`:${b.child.pid} 2$`));
      expect(third).toBe("done");
      const q = await queue.connect("k", { dir });
      const [task] = await q.tasks();
      q.close();
      expect(task).toMatchObject({ state: "SUCCEEDED", attempts: 2, exitCode: 0 });
      expect(task.worker).toMatch(new RegExp(`:${b.child.pid}$`));
    });

    it("retry re-runs exactly the failed tasks", async () => {
      cliOk(dir, "create", "r", "--no-retry-on-failure");
      const flag = join(dir, "fixed");
      const lines = [1, 2, 3, 4, 5].map((i) => (i % 2 === 0 ? `echo ${i} >> ${log}; test -e ${flag}` : `echo ${i} >> ${log}`));
      writeFileSync(join(dir, "tasks.txt"), lines.join("\n") + "\n");
      expect(cliOk(dir, "load", "r", join(dir, "tasks.txt"))).toMatch(/Added 5 tasks \(ids 1-5\)/);
      expect((await startWorker(dir, "r").done).code).toBe(0);
      expect(ran().sort()).toEqual(["1", "2", "3", "4", "5"]);
      expect(await counts("r")).toMatchObject({ SUCCEEDED: 3, FAILED: 2 });
      writeFileSync(flag, "");
      writeFileSync(log, "");
      expect(cliOk(dir, "retry", "r")).toMatch(/Requeued 2 failed task/);
      expect((await startWorker(dir, "r").done).code).toBe(0);
      expect(ran().sort()).toEqual(["2", "4"]);
      expect(await counts("r")).toMatchObject({ SUCCEEDED: 5, FAILED: 0 });
    });

    it("pick up tasks added while workers run, and two worker processes never run a task twice", async () => {
      cliOk(dir, "create", "live");
      const task = (i: number) => `echo $HPCFIT_TASK_ID >> ${log}; sleep 0.05 # ${i}`;
      writeFileSync(join(dir, "a.txt"), Array.from({ length: 20 }, (_, i) => task(i)).join("\n"));
      cliOk(dir, "load", "live", join(dir, "a.txt"));
      // A task that runs until the second batch is in: the queue cannot be done before then, so
      // the test does not depend on how fast the machine is.
      const gate = join(dir, "gate");
      cliOk(
        dir,
        "add",
        "live",
        "--priority",
        "9",
        "--",
        `echo $HPCFIT_TASK_ID >> ${log}; while [ ! -e ${gate} ]; do sleep 0.05; done`,
      );
      const w1 = startWorker(dir, "live", "--workers", "2");
      const w2 = startWorker(dir, "live", "--workers", "2");
      await waitUntil("some tasks ran", () => ran().length >= 3);
      writeFileSync(join(dir, "b.txt"), Array.from({ length: 20 }, (_, i) => task(21 + i)).join("\n"));
      cliOk(dir, "load", "live", join(dir, "b.txt"));
      writeFileSync(gate, "");
      const [r1, r2] = await Promise.all([w1.done, w2.done]);
      expect([r1.code, r2.code]).toEqual([0, 0]);
      const ids = ran()
        .map(Number)
        .sort((x, y) => x - y);
      expect(ids).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
      const q = await queue.connect("live", { dir });
      const workers = new Set((await q.tasks()).map((t) => t.worker!.replace(/\/\d+$/, "")));
      q.close();
      // Both processes took work.
      expect(workers.size).toBe(2);
      for (const pid of [w1.child.pid, w2.child.pid]) expect([...workers].some((w) => w.endsWith(`:${pid}`))).toBe(true);
    });

    it("pause stops new claims (running tasks finish) and resume lets workers drain the queue", async () => {
      cliOk(dir, "create", "pr");
      // The first task runs until the test opens its gate, so the pause surely lands while it runs.
      const gate = join(dir, "gate");
      cliOk(dir, "add", "pr", "--", `echo 1 >> ${log}; while [ ! -e ${gate} ]; do sleep 0.05; done`);
      for (let i = 2; i <= 3; i++) cliOk(dir, "add", "pr", "--", `echo ${i} >> ${log}`);
      const w = startWorker(dir, "pr");
      await waitUntil("the first task started", () => ran().length === 1);
      expect(cliOk(dir, "pause", "pr")).toMatch(/paused/);
      writeFileSync(gate, "");
      await waitUntil("the running task finished", async () => (await counts("pr")).RUNNING === 0);
      await new Promise((r) => setTimeout(r, 600));
      expect(ran()).toEqual(["1"]);
      expect(await counts("pr")).toMatchObject({ PENDING: 2, SUCCEEDED: 1 });
      expect(w.child.exitCode).toBeNull(); // a paused queue is not done: the worker waits
      expect(cliOk(dir, "status", "pr")).toMatch(/queue pr \(paused\)/);
      cliOk(dir, "resume", "pr");
      expect((await w.done).code).toBe(0);
      expect(ran()).toEqual(["1", "2", "3"]);
    });

    it("refuse bad input from the command line with a clear message and exit status 1, adding nothing", async () => {
      expect(cli(dir, "add", "ghost", "--", "true")).toMatchObject({
        status: 1,
        stderr: expect.stringMatching(/No queue named ghost/),
      });
      cliOk(dir, "create", "bad");
      writeFileSync(join(dir, "bad.jsonl"), '{"model": "a", "steps": 1}\n{"model": "b", "steps": 2\n');
      const r = cli(dir, "load", "bad", join(dir, "bad.jsonl"), "--script", "fit {model} --steps {steps}");
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/bad.jsonl, line 2: malformed JSON/);
      writeFileSync(join(dir, "fields.jsonl"), '{"model": "a", "steps": 1}\n{"model": "b"}\n');
      expect(cli(dir, "load", "bad", join(dir, "fields.jsonl"), "--script", "fit {model} --steps {steps}").stderr).toMatch(
        /line 2: Template field \{steps\} is missing/,
      );
      expect(cli(dir, "add", "bad", "--requires", "12", "--", "true").stderr).toMatch(/requires task 12, which does not exist/);
      expect(cli(dir, "tasks", "bad", "--state", "DONE").stderr).toMatch(/Unknown task state "DONE"/);
      expect(cli(dir, "work", "bad", "--lease", "zero").stderr).toMatch(/--lease must be a positive number/);
      expect(cliOk(dir, "status", "bad")).toMatch(/0 tasks/);
    });

    it("run a failed task again until its attempts are spent, and `tasks` shows each attempt's exit code", async () => {
      expect(cliOk(dir, "create", "f", "--max-attempts", "3")).toMatch(/at most 3 attempt\(s\) per task; failed tasks run again/);
      const counter = join(dir, "count");
      // Exits 1, then 2, then succeeds.
      cliOk(
        dir,
        "add",
        "f",
        "--key",
        "flaky",
        "--",
        `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; echo flaky $n >> ${log}; [ $n -ge 3 ] || exit $n`,
      );
      cliOk(dir, "add", "f", "--requires", "flaky", "--", "sh", "-c", `echo after >> ${log}`);
      cliOk(dir, "add", "f", "--priority", "-1", "--", "sh", "-c", `echo doomed >> ${log}; exit 9`);
      const w = startWorker(dir, "f", "--verbose", "--batch", "1");
      const result = await w.done;
      expect(result.code).toBe(0);
      expect(ran()).toEqual(["flaky 1", "flaky 2", "flaky 3", "after", "doomed", "doomed", "doomed"]);
      expect(result.stdout).toMatch(/task 1 attempt 1 failed \(exit code 1\) on .*; it runs again/);
      expect(result.stdout).toMatch(/Worker\(s\) done: 2 succeeded, 1 failed, 4 failed attempt\(s\) retried, 0 given back/);
      const table = cliOk(dir, "tasks", "f");
      expect(table).toMatch(/^id\s+state\s+priority\s+attempts\s+exits\s+node\s+job\s+worker\s+requires\s+kind\s+task$/m);
      expect(table).toMatch(/^1 \(flaky\)\s+SUCCEEDED\s+0\s+3\s+1,2,0\s+\S+\s+(?:\S+\s+)?\S+\s+shell\s+n=\$\(cat/m);
      expect(table).toMatch(/^3\s+FAILED\s+-1\s+3\s+9,9,9\s+\S+\s+(?:\S+\s+)?\S+\s+argv\s+sh -c 'echo doomed/m);
      const [flaky, , doomed] = tasksJson("f");
      expect(flaky.history.map((a) => [a.attempt, a.exitCode])).toEqual([
        [1, 1],
        [2, 2],
        [3, 0],
      ]);
      // Each attempt keeps its own log.
      expect(new Set(doomed.history.map((a) => a.logFile)).size).toBe(3);
      expect(doomed).toMatchObject({ state: "FAILED", exitCode: 9, error: "exit code 9" });
    });

    it("kill a SIGKILLed worker's task processes with it; the task then runs to completion exactly once", async () => {
      cliOk(dir, "create", "d");
      const pids = join(dir, "pids");
      // The first attempt starts a child in its process group (sleep in the background) and one
      // that leaves the group (setsid), and would go on for a minute; later attempts finish at once.
      const script =
        `echo "start $HPCFIT_TASK_ATTEMPT" >> ${log}; ` +
        `if [ "$HPCFIT_TASK_ATTEMPT" = 1 ]; then sleep 60 & a=$!; setsid sleep 60 & b=$!; echo "$$ $a $b" > ${pids}.tmp; mv ${pids}.tmp ${pids}; wait; fi; ` +
        `echo "done $HPCFIT_TASK_ATTEMPT" >> ${log}`;
      cliOk(dir, "add", "d", "--", script);
      const a = startWorker(dir, "d", "--lease", "1");
      await waitUntil("the first attempt started its processes", () => existsSync(pids));
      const started = readFileSync(pids, "utf8").trim().split(" ").map(Number);
      expect(started.map(running)).toEqual([true, true, true]);
      a.killWorker();
      expect((await a.done).signal).toBe("SIGKILL");
      await waitUntil("the dead worker's task processes are gone", () => !started.some(running), 10_000);
      const b = startWorker(dir, "d", "--lease", "1");
      expect((await b.done).code).toBe(0);
      expect(ran()).toEqual(["start 1", "start 2", "done 2"]);
      const [task] = tasksJson("d");
      expect(task).toMatchObject({ state: "SUCCEEDED", attempts: 2, exitCode: 0 });
      expect(
        task.history.map((h) => [h.attempt, h.exitCode, h.worker.endsWith(`:${h.attempt === 1 ? a.child.pid : b.child.pid}`)]),
      ).toEqual([
        [1, null, true],
        [2, 0, true],
      ]);
      expect(task.history[0].error).toMatch(/lease of worker .* expired during attempt 1 of 3/);
    });

    it("run argument vectors exactly as given on the command line, and one string as a shell command", async () => {
      expect(cliOk(dir, "create", "rt")).toMatch(/Created queue rt/);
      expect(cliOk(dir, "add", "rt", "--", ...ECHO_ARGV, ...TRICKY_WORDS)).toMatch(
        /^Added task 1 \(PENDING\), an argument vector run without a shell: /,
      );
      // The two commands of the report that started this: both must run as written.
      cliOk(dir, "add", "rt", "--", "sh", "-c", "sleep 1; echo hi");
      cliOk(dir, "add", "rt", "--", "python3", "-c", 'print("a b")');
      expect(cliOk(dir, "add", "rt", "--", `printf '%s|' "a b" '$HOME' "$HPCFIT_TASK_ID"; echo`)).toMatch(
        /^Added task 4 \(PENDING\), one string: a shell command run with \/bin\/sh -c: printf/,
      );
      expect(tasksJson("rt").map((t) => [t.argv, t.command])).toEqual([
        [[...ECHO_ARGV, ...TRICKY_WORDS], null],
        [["sh", "-c", "sleep 1; echo hi"], null],
        [["python3", "-c", 'print("a b")'], null],
        [null, `printf '%s|' "a b" '$HOME' "$HPCFIT_TASK_ID"; echo`],
      ]);
      expect((await startWorker(dir, "rt").done).code).toBe(0);
      const tasks = tasksJson("rt");
      expect(tasks.map((t) => [t.state, t.attempts])).toEqual(Array.from({ length: 4 }, () => ["SUCCEEDED", 1]));
      const output = tasks.map((t) => readFileSync(t.logFile!, "utf8"));
      expect(JSON.parse(output[0])).toEqual(TRICKY_WORDS);
      expect(output.slice(1)).toEqual(["hi\n", "a b\n", "a b|$HOME|4|\n"]);
      expect(existsSync(join(dir, "pwned"))).toBe(false);
      // The table says how each task runs, and shows newlines as \n on one line.
      const table = cliOk(dir, "tasks", "rt");
      expect(table).toMatch(/^2\s+SUCCEEDED\s+0\s+1\s+0\s+\S+\s+(?:\S+\s+)?\S+\s+argv\s+sh -c 'sleep 1; echo hi'$/m);
      expect(table).toMatch(/^4\s+SUCCEEDED\s+0\s+1\s+0\s+\S+\s+(?:\S+\s+)?\S+\s+shell\s+printf '%s\|' "a b" '\$HOME'/m);
      expect(table.trimEnd().split("\n")).toHaveLength(5);
    });
  });
});
