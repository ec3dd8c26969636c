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
import { killAllWorkers, startWorker, tempQueuesDir } from "./helpers.js";
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
  expect(task).toMatchObject({ id: 1, priority: 4, state: "PENDING", command: "echo two words" });
  await queueMagic.run(`add nb --dir ${dir} --script "fit {model}" --params '{"model": "m 1"}'`, ctx);
  const tasks = await queueMagic.run(`tasks nb --dir ${dir}`, ctx);
  expect(isDisplayable(tasks)).toBe(true);
  expect((tasks as queue.Task[]).map((t) => t.command)).toEqual(["echo two words", "fit 'm 1'"]);
  const bundle = (tasks as unknown as { [DISPLAY](): MimeBundle })[DISPLAY]();
  expect(bundle["text/html"]).toMatch(/<td>fit &#39;m 1&#39;<\/td>/);
  const status = (await queueMagic.run(`status nb --once --dir ${dir}`, ctx)) as queue.QueueStatus;
  expect(status.counts.PENDING).toBe(2);
  expect(status[DISPLAY]()["text/plain"]).toMatch(/queue nb \(active\): 2 tasks/);
});

it("%queue reports bad input as a UserError with a specific message", async () => {
  const ctx = context({ stdout: "", displays: [] });
  await expect(queueMagic.run(`frobnicate nb`, ctx)).rejects.toThrow(UserError);
  await expect(queueMagic.run(`frobnicate nb`, ctx)).rejects.toThrow(/unknown command 'frobnicate'/);
  await expect(queueMagic.run(`add nope --dir ${dir} -- true`, ctx)).rejects.toThrow(/No queue named nope/);
  await queueMagic.run(`create e --dir ${dir}`, ctx);
  await expect(queueMagic.run(`tasks e --state NOPE --dir ${dir}`, ctx)).rejects.toThrow(/Unknown task state "NOPE"/);
  await expect(queueMagic.run(`add e --dir ${dir} -- echo "unterminated`, ctx)).rejects.toThrow(/unterminated double quote/);
  await expect(queueMagic.run(`add e --dir ${dir} --requires 1 -- true`, ctx)).rejects.toThrow(/requires task 1, which does not exist/);
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
  expect(first!.displayId).toMatch(/^hpcfit-queue-/);
  expect(first!.update).toBeFalsy();
  expect(updates.length).toBeGreaterThan(2);
  for (const u of updates) expect(u).toMatchObject({ displayId: first!.displayId, update: true });
  const texts = rec.displays.map((d) => String(d.data["text/plain"]));
  expect(texts.some((t) => /RUNNING 1/.test(t))).toBe(true);
  expect(texts[texts.length - 1]).toMatch(/SUCCEEDED 4 {2}FAILED 0\n.*done/);
});
