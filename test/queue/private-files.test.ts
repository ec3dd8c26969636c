/**
 * What a queue keeps on disk is its owner's alone: queue directories 0700, `queue.db` (with its
 * WAL files) and task logs 0600 whatever the umask, and wider modes of an existing queue narrowed
 * when it is opened.
 */
import { chmodSync, existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import * as queue from "../../queue/index.js";
import { tempQueuesDir } from "./helpers.js";

let dir: string;
let cleanup: () => void;
let umask: number;
beforeEach(() => {
  ({ dir, cleanup } = tempQueuesDir());
  // The common default, under which files are created world-readable unless asked otherwise.
  umask = process.umask(0o022);
});
afterEach(() => {
  process.umask(umask);
  delete process.env.HPCFIT_DATA_DIR;
  cleanup();
});

const mode = (path: string) => statSync(path).mode & 0o777;

it("creates the queue's folders 0700 and its database, WAL files and task logs 0600", async () => {
  const q = await queue.create("p", { dir });
  await q.add({ argv: ["sh", "-c", "echo secret"] });
  await q.add({ command: "echo more" });
  await q.work(undefined, { pollSeconds: 0.05 });
  const directory = join(dir, "p");
  const [t1, t2] = await q.tasks();
  const files = ["queue.db", "queue.db-wal", "queue.db-shm"].map((f) => join(directory, f));
  for (const f of files) expect(existsSync(f), f).toBe(true);
  expect(Object.fromEntries(files.concat(t1.logFile!, t2.logFile!).map((f) => [f, mode(f)]))).toEqual(
    Object.fromEntries(files.concat(t1.logFile!, t2.logFile!).map((f) => [f, 0o600])),
  );
  const folders = [directory, join(directory, "logs"), dirname(t1.logFile!), join(directory, "jobs")];
  expect(folders.map(mode)).toEqual(folders.map(() => 0o700));
  q.close();
});

it("makes the default queues folder and the data directory private too, and leaves a chosen --dir as it is", async () => {
  process.env.HPCFIT_DATA_DIR = join(dir, "data");
  (await queue.create("d")).close();
  expect([mode(join(dir, "data")), mode(join(dir, "data", "queues")), mode(join(dir, "data", "queues", "d"))]).toEqual([
    0o700, 0o700, 0o700,
  ]);
  chmodSync(dir, 0o755);
  (await queue.create("c", { dir })).close();
  expect([mode(dir), mode(join(dir, "c"))]).toEqual([0o755, 0o700]);
});

it("narrows an existing queue's wider modes when it is opened, and a rewritten log's", async () => {
  const q = await queue.create("w", { dir });
  await q.add({ command: "echo hi" });
  await q.work(undefined, { pollSeconds: 0.05 });
  const log = (await q.task(1))!.logFile!;
  q.close();
  const directory = join(dir, "w");
  chmodSync(directory, 0o755);
  chmodSync(join(directory, "logs"), 0o777);
  chmodSync(join(directory, "jobs"), 0o755);
  chmodSync(join(directory, "queue.db"), 0o644);
  chmodSync(log, 0o644);
  const again = await queue.connect("w", { dir });
  expect([
    mode(directory),
    mode(join(directory, "logs")),
    mode(join(directory, "jobs")),
    mode(join(directory, "queue.db")),
  ]).toEqual([0o700, 0o700, 0o700, 0o600]);
  // The same attempt's log written again (after a rerun) is narrowed as it is rewritten.
  await again.rerun();
  await again.work(undefined, { pollSeconds: 0.05 });
  expect((await again.task(1))!.logFile).toBe(log);
  expect(mode(log)).toBe(0o600);
  again.close();
});
