/**
 * A queue database written by the previous schema (version 1: shell commands only, no attempt
 * records, world-readable files) opens with this version: migrated in place, its tasks kept with
 * their last attempt on record, its files made private, and its remaining tasks run.
 */
import Database from "better-sqlite3";
import { chmodSync, cpSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { SCHEMA_VERSION } from "../../queue/sqlite-schema.js";
import { workerPlace } from "../../queue/worker.js";
import * as queue from "../../queue/index.js";
import { ROOT, tempQueuesDir } from "./helpers.js";

const FIXTURE = join(ROOT, "test", "fixtures", "queue-v1", "legacy");

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempQueuesDir()));
afterEach(() => cleanup());

const mode = (path: string) => statSync(path).mode & 0o777;

/** A copy of the fixture with the modes the previous version left (umask 022). */
function legacyCopy(): string {
  const q = join(dir, "legacy");
  cpSync(FIXTURE, q, { recursive: true });
  for (const d of [q, join(q, "logs"), join(q, "logs", "0")]) chmodSync(d, 0o755);
  for (const f of [join(q, "queue.db"), join(q, "logs", "0", "1.log"), join(q, "logs", "0", "2.log")]) chmodSync(f, 0o644);
  return q;
}

it("migrates a version-1 queue in place, keeping its tasks and their last attempts, and runs what is left", async () => {
  const directory = legacyCopy();
  const q = await queue.connect("legacy", { dir });
  expect(await q.info()).toMatchObject({ name: "legacy", state: "active", maxAttempts: 3, retryOnFailure: true });
  const before = await q.tasks();
  expect(
    before.map((t) => [t.id, t.key, t.state, t.command, t.argv, t.exitCode, t.history.map((h) => [h.attempt, h.exitCode])]),
  ).toEqual([
    [1, null, "SUCCEEDED", "echo one", null, 0, [[1, 0]]],
    [2, "broken", "FAILED", "echo two; exit 4", null, 4, [[1, 4]]],
    [3, null, "FAILED", "echo three", null, null, []],
    [4, null, "PENDING", "echo four", null, null, []],
  ]);
  expect(before[1].history[0]).toMatchObject({
    worker: before[1].worker,
    error: "exit code 4",
    logFile: "/tmp/qw-legacy/legacy/logs/0/2.log",
  });
  expect(before[2]).toMatchObject({ requires: [2], error: "requires task 2, which failed" });
  // The old queue now takes argument vectors and runs them with the rest.
  await q.add({ argv: ["sh", "-c", "echo five; exit 0"] });
  expect(await q.work(undefined, { pollSeconds: 0.05 })).toEqual({ succeeded: 2, failed: 0, retried: 0, abandoned: 0 });
  expect((await q.tasks({ ids: [4, 5] })).map((t) => [t.state, t.history.length])).toEqual([
    ["SUCCEEDED", 1],
    ["SUCCEEDED", 1],
  ]);
  // Attempts from before say nothing of where they ran; new ones name their node.
  expect((await q.task(2))!.history[0]).toMatchObject({ node: null, jobId: null });
  expect((await q.task(5))!.history[0].node).toBe(workerPlace().node);
  q.close();
  // Migrated once: the file says the current version, and its folder and files are private now.
  const db = new Database(join(directory, "queue.db"), { readonly: true });
  expect(db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get()).toBe(String(SCHEMA_VERSION));
  db.close();
  expect([mode(directory), mode(join(directory, "logs")), mode(join(directory, "queue.db"))]).toEqual([0o700, 0o700, 0o600]);
  // A second connection reads the migrated file as it is.
  const again = await queue.connect("legacy", { dir });
  expect((await again.status()).counts).toMatchObject({ SUCCEEDED: 3, FAILED: 2 });
  again.close();
});

it("refuses a queue database newer than this hpcfit with a clear error", async () => {
  const directory = legacyCopy();
  const db = new Database(join(directory, "queue.db"));
  db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
  db.close();
  await expect(queue.connect("legacy", { dir })).rejects.toThrow(
    /queue\.db has queue schema version 99; this hpcfit reads versions up to 3/,
  );
});
