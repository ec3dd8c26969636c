/**
 * The `%queue` magic through the Magic interface with a recording output sink (the kernel that
 * hosts the registry is another engineer's; this drives the magic exactly as it would):
 * values returned to the cell, rich tables, errors as UserError, and the live status that
 * updates one display in place while a real worker process runs.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { DISPLAY, isDisplayable, type MimeBundle } from "../../schema/display.js";
import { queueMagic } from "../../magics/queue.js";
import { type MagicContext } from "../../kernel/magics/types.js";
import type { CommManager } from "../../kernel/comms/types.js";
import * as queue from "../../queue/index.js";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ECHO_ARGV, TRICKY_WORDS, killAllWorkers, startWorker, tempQueuesDir, useStorage } from "./helpers.js";
import { workerPlace } from "../../queue/worker.js";
import { shellQuote } from "../../util/shell.js";
import { UserError } from "../../util/user-error.js";

interface Recorded {
  stdout: string;
  displays: Array<{ data: MimeBundle; displayId?: string; update?: boolean }>;
}

function context(rec: Recorded, signal = new AbortController().signal): MagicContext {
  return {
    output: {
      stream: (name, text) => {
        if (name === "stdout") rec.stdout += text;
      },
      display: (data, options) => rec.displays.push({ data, displayId: options?.displayId, update: options?.update }),
      clearOutput: () => undefined,
      input: () => Promise.reject(new Error("no stdin in this test")),
    },
    comms: {} as CommManager,
    signal,
    getVariable: () => undefined,
    hasVariable: () => false,
    variableNames: () => [],
  };
}

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempQueuesDir()));
afterEach(() => {
  killAllWorkers();
  cleanup();
});

it("%queue runs the CLI's verbs and returns their values to the cell", async () => {
  const rec: Recorded = { stdout: "", displays: [] };
  const ctx = context(rec);
  await queueMagic.run(`create nb --dir ${dir}`, ctx);
  expect(rec.stdout).toMatch(/Created queue nb/);
  const task = (await queueMagic.run(`add nb --dir ${dir} --priority 4 -- echo "two words"`, ctx)) as queue.Task;
  expect(task).toMatchObject({ id: 1, priority: 4, state: "PENDING", argv: ["echo", "two words"], command: null });
  await queueMagic.run(`add nb --dir ${dir} --script "fit {model}" --params '{"model": "m 1"}'`, ctx);
  const tasks = await queueMagic.run(`tasks nb --dir ${dir}`, ctx);
  expect(isDisplayable(tasks)).toBe(true);
  expect((tasks as queue.Task[]).map((t) => [t.argv, t.command])).toEqual([
    [["echo", "two words"], null],
    [null, "fit 'm 1'"],
  ]);
  const bundle = (tasks as { [DISPLAY](): MimeBundle })[DISPLAY]();
  expect(bundle["text/html"]).toMatch(/<td>fit &#39;m 1&#39;<\/td>/);
  const status = (await queueMagic.run(`status nb --once --dir ${dir}`, ctx)) as queue.QueueStatus;
  expect(status.counts.PENDING).toBe(2);
  expect(status[DISPLAY]()["text/plain"]).toMatch(/queue nb \(active\): 2 tasks/);
});

it("%queue --db keeps the queue in PostgreSQL, and its status and tasks say where tasks ran", async () => {
  const storage = await useStorage("postgres");
  delete process.env.HPCFIT_QUEUE_DB;
  const db = storage.db!;
  try {
    const rec: Recorded = { stdout: "", displays: [] };
    const ctx = context(rec);
    await queueMagic.run(`create nbpg --dir ${storage.dir} --db ${db}`, ctx);
    expect(rec.stdout).toMatch(/Created queue nbpg in postgres:\/\//);
    await queueMagic.run(`add nbpg --dir ${storage.dir} --db ${db} -- true`, ctx);
    await expect(queueMagic.run(`tasks nbpg --dir ${storage.dir}`, ctx)).rejects.toThrow(/No queue named nbpg/);
    await queueMagic.run(`work nbpg --dir ${storage.dir} --db ${db} --poll 0.05`, ctx);
    const tasks = (await queueMagic.run(`tasks nbpg --dir ${storage.dir} --db ${db}`, ctx)) as queue.Task[];
    expect(tasks.map((t) => [t.state, t.node])).toEqual([["SUCCEEDED", workerPlace().node]]);
    const html = (tasks as unknown as { [DISPLAY](): MimeBundle })[DISPLAY]()["text/html"];
    expect(html).toMatch(/<th>node<\/th><th>job<\/th><th>worker<\/th>/);
    const status = (await queueMagic.run(`status nbpg --once --dir ${storage.dir} --db ${db}`, ctx)) as queue.QueueStatus;
    expect(status.nodes).toEqual([
      { node: workerPlace().node, counts: { WAITING: 0, PENDING: 0, RUNNING: 0, SUCCEEDED: 1, FAILED: 0 } },
    ]);
    expect(status[DISPLAY]()["text/html"]).toMatch(/<table class="hpcfit-queue-nodes">/);
  } finally {
    await storage.cleanup();
  }
});

it("%queue reports bad input as a UserError with a specific message", async () => {
  const ctx = context({ stdout: "", displays: [] });
  await expect(queueMagic.run(`frobnicate nb`, ctx)).rejects.toThrow(UserError);
  await expect(queueMagic.run(`frobnicate nb`, ctx)).rejects.toThrow(/unknown command 'frobnicate'/);
  await expect(queueMagic.run(`add nope --dir ${dir} -- true`, ctx)).rejects.toThrow(/No queue named nope/);
  await queueMagic.run(`create e --dir ${dir}`, ctx);
  await expect(queueMagic.run(`tasks e --state NOPE --dir ${dir}`, ctx)).rejects.toThrow(/Unknown task state "NOPE"/);
  await expect(queueMagic.run(`add e --dir ${dir} -- echo "unterminated`, ctx)).rejects.toThrow(/unterminated double quote/);
  await expect(queueMagic.run(`add e --dir ${dir} --requires 1 -- true`, ctx)).rejects.toThrow(
    /requires task 1, which does not exist/,
  );
  await expect(queueMagic.run(`work e --lease -1 --dir ${dir}`, ctx)).rejects.toThrow(/--lease must be a positive number/);
});

it("%queue status follows a running queue, updating one display in place until it is done", async () => {
  const q = await queue.create("live", { dir });
  await q.addMany(Array.from({ length: 4 }, () => ({ command: "sleep 0.3" })));
  q.close();
  const rec: Recorded = { stdout: "", displays: [] };
  const worker = startWorker(dir, "live");
  const value = await queueMagic.run(`status live --interval 0.1 --dir ${dir}`, context(rec));
  expect(value).toBeUndefined();
  expect((await worker.done).code).toBe(0);
  const [first, ...updates] = rec.displays;
  expect(first.displayId).toMatch(/^hpcfit-queue-/);
  expect(first.update).toBeFalsy();
  expect(updates.length).toBeGreaterThan(2);
  for (const u of updates) expect(u).toMatchObject({ displayId: first.displayId, update: true });
  const texts = rec.displays.map((d) => String(d.data["text/plain"]));
  expect(texts.some((t) => /RUNNING 1/.test(t))).toBe(true);
  expect(texts[texts.length - 1]).toMatch(/SUCCEEDED 4 {2}FAILED 0\n.*done/);
});

it("%queue add keeps the words of its line as an argument vector and one quoted string as a shell command; %queue load takes argv lines", async () => {
  const ctx = context({ stdout: "", displays: [] });
  await queueMagic.run(`create rt --dir ${dir}`, ctx);
  // A line magic is one line: words with newlines or tabs come through a file instead (below).
  const words = TRICKY_WORDS.filter((w) => !/[\n\t]/.test(w));
  const line = [...ECHO_ARGV, ...words].map(shellQuote).join(" ");
  const vector = (await queueMagic.run(`add rt --dir ${dir} -- ${line}`, ctx)) as queue.Task;
  expect(vector).toMatchObject({ argv: [...ECHO_ARGV, ...words], command: null });
  const shell = (await queueMagic.run(
    `add rt --dir ${dir} -- 'printf "%s|" "a b" "$HPCFIT_TASK_ID" \\$HOME; echo'`,
    ctx,
  )) as queue.Task;
  expect(shell).toMatchObject({ argv: null, command: 'printf "%s|" "a b" "$HPCFIT_TASK_ID" \\$HOME; echo' });
  const file = join(dir, "tasks.jsonl");
  writeFileSync(file, `${JSON.stringify({ argv: [...ECHO_ARGV, ...TRICKY_WORDS] })}\n`);
  expect(await queueMagic.run(`load rt ${file} --dir ${dir}`, ctx)).toEqual([3]);
  expect((await startWorker(dir, "rt").done).code).toBe(0);
  const tasks = (await queueMagic.run(`tasks rt --dir ${dir}`, ctx)) as queue.Task[];
  expect(tasks.map((t) => t.state)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
  const [a, b, c] = tasks.map((t) => readFileSync(t.logFile!, "utf8"));
  expect(JSON.parse(a)).toEqual(words);
  expect(b).toBe("a b|2|$HOME|\n");
  expect(JSON.parse(c)).toEqual(TRICKY_WORDS);
  const html = String((tasks as unknown as { [DISPLAY](): MimeBundle })[DISPLAY]()["text/html"]);
  expect(html).toMatch(/<td>argv<\/td>/);
  expect(html).toMatch(/<td>shell<\/td><td>printf &quot;%s\|&quot;/);
});
