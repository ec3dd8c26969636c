/**
 * The local scheduler's daemon: a detached process started on demand by whoever submits a local
 * job, so jobs keep being scheduled and their records stay true when no kernel is alive. It runs
 * a scheduling pass every {@link TICK_MS} (at once on SIGUSR2, which submitters send), keeps a
 * heartbeat in the store, and exits after {@link IDLE_EXIT_MS} without pending or running jobs.
 * Only one daemon runs per data directory: a second one sees a live heartbeat and leaves.
 *
 * Usage: node daemon.js DATA_DIR CLUSTER CPUS
 */
import { appendFileSync } from "node:fs";
import { JobStore } from "../store.js";
import { daemonLog } from "./paths.js";
import { processAlive } from "../../util/process-alive.js";
import { schedulePass } from "./scheduler.js";

/** Milliseconds between passes. */
export const TICK_MS = 200;
/** A daemon with no active job for this long exits. */
export const IDLE_EXIT_MS = 3000;
/** A heartbeat older than this means the daemon is gone. */
export const HEARTBEAT_STALE_MS = 5000;

const [dataDir, cluster, cpuText] = process.argv.slice(2);
if (!dataDir || !cluster || !cpuText) {
  process.stderr.write("usage: daemon.js DATA_DIR CLUSTER CPUS\n");
  process.exit(2);
}
const cpus = Number(cpuText);
const store = JobStore.open(dataDir);
const log = (message: string): void =>
  appendFileSync(daemonLog(dataDir), `${new Date().toISOString()} [${process.pid}] ${message}\n`);

const claimed = store.transaction(() => {
  const row = store.db.prepare(`SELECT pid, heartbeat FROM daemon WHERE name = ?`).get(cluster) as
    { pid: number; heartbeat: number } | undefined;
  if (row && row.pid !== process.pid && processAlive(row.pid) && Date.now() - row.heartbeat < HEARTBEAT_STALE_MS) return false;
  store.db
    .prepare(
      `INSERT INTO daemon (name, pid, heartbeat) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET pid = excluded.pid, heartbeat = excluded.heartbeat`,
    )
    .run(cluster, process.pid, Date.now());
  return true;
});
if (!claimed) process.exit(0);
log(`started for ${cluster} with ${cpus} CPUs`);

let idleSince = Date.now();
let timer: NodeJS.Timeout | undefined;
let soon = false;

/** Runs a pass as soon as the event loop is free, once however many wake-ups arrive together. */
function wake(): void {
  if (soon) return;
  soon = true;
  setImmediate(() => {
    soon = false;
    tick();
  });
}

function tick(): void {
  if (timer) clearTimeout(timer);
  let active: number;
  try {
    active = schedulePass(store, dataDir, cluster, cpus, wake);
    store.db.prepare(`UPDATE daemon SET heartbeat = ? WHERE name = ? AND pid = ?`).run(Date.now(), cluster, process.pid);
  } catch (e) {
    log(`pass failed: ${(e as Error).stack ?? String(e)}`);
    active = 1;
  }
  if (active > 0) idleSince = Date.now();
  else if (Date.now() - idleSince > IDLE_EXIT_MS) {
    // Leave only if no job arrived meanwhile; submitters see the row gone and start a new daemon.
    const left = store.transaction(() => {
      const n = store.db
        .prepare(
          `SELECT COUNT(*) AS n FROM job_records WHERE backend = 'local' AND cluster = ? AND state IN ('PENDING', 'RUNNING')`,
        )
        .get(cluster) as { n: number };
      if (n.n > 0) return false;
      store.db.prepare(`DELETE FROM daemon WHERE name = ? AND pid = ?`).run(cluster, process.pid);
      return true;
    });
    if (left) {
      log("idle, exiting");
      process.exit(0);
    }
  }
  timer = setTimeout(tick, TICK_MS);
}

process.on("SIGUSR2", wake);
process.on("SIGTERM", () => {
  store.db.prepare(`DELETE FROM daemon WHERE name = ? AND pid = ?`).run(cluster, process.pid);
  process.exit(0);
});
tick();
