/**
 * One pass of the local scheduler, with Slurm's semantics on one machine: finished jobs get
 * their final state and exit code, jobs over their time limit are killed as TIMEOUT, and pending
 * jobs start in submission order when their dependency holds, their array's `%N` allows and
 * enough CPUs are free; otherwise they wait with Slurm's reason (`JobHeldUser`, `Dependency`,
 * `DependencyNeverSatisfied`, `JobArrayTaskLimit`, `Resources`, `Priority`).
 *
 * The pass runs inside one immediate SQLite transaction, so a cancel or a submission from a
 * kernel never interleaves with a decision made here.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, unlinkSync } from "node:fs";
import { hostname } from "node:os";
import { isTerminalState, type JobRow } from "../../schema/jobs.js";
import { parseDependency } from "../sbatch-options.js";
import type { JobStore, LocalJobExtras, StoredJob } from "../store.js";
import { processAlive } from "../../util/process-alive.js";
import { exitFile } from "./paths.js";

/** Seconds between SIGTERM and SIGKILL for a cancelled or timed-out job (Slurm's KillWait). */
export const KILL_WAIT_MS = 2000;

/** Signals a job's whole process group (the wrapper, the script and its children). */
export function signalJob(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

type DepVerdict = "ok" | "wait" | "never";

function dependencyVerdict(store: JobStore, cluster: string, text: string): DepVerdict {
  const dep = parseDependency(text);
  const verdicts = dep.clauses.map((clause): DepVerdict => {
    let result: DepVerdict = "ok";
    for (const id of clause.ids) {
      const rows = store.find("local", cluster, id).map((s) => s.row);
      // A job hpcfit no longer knows (its record was forgotten) no longer holds anything back.
      if (rows.length === 0) continue;
      const ended = rows.every((r) => isTerminalState(r.state));
      const allOk = rows.every((r) => r.state === "COMPLETED");
      let v: DepVerdict;
      switch (clause.type) {
        case "after":
          v = rows.every((r) => r.state !== "PENDING") ? "ok" : "wait";
          break;
        case "afterany":
          v = ended ? "ok" : "wait";
          break;
        case "afterok":
          v = rows.some((r) => isTerminalState(r.state) && r.state !== "COMPLETED") ? "never" : allOk ? "ok" : "wait";
          break;
        case "afternotok":
          v = ended
            ? allOk
              ? "never"
              : "ok"
            : rows.some((r) => isTerminalState(r.state) && r.state !== "COMPLETED")
              ? "ok"
              : "wait";
          break;
      }
      if (v === "never") return "never";
      if (v === "wait") result = "wait";
    }
    return result;
  });
  if (dep.mode === "any") return verdicts.includes("ok") ? "ok" : verdicts.every((v) => v === "never") ? "never" : "wait";
  return verdicts.includes("never") ? "never" : verdicts.includes("wait") ? "wait" : "ok";
}

/** The environment a job starts with: the submitter's (from its private file) and the job's own variables. */
function jobEnvironment(local: LocalJobExtras & { env?: Record<string, string> }): Record<string, string> {
  // Records written before environments moved out of the database still carry theirs.
  if (local.env) return local.env;
  let base: Record<string, string>;
  try {
    base = JSON.parse(readFileSync(local.environmentFile, "utf8")) as Record<string, string>;
  } catch (e) {
    throw new Error(`the job's environment (${local.environmentFile}) cannot be read: ${(e as Error).message}`, { cause: e });
  }
  return { ...base, ...local.jobEnv };
}

/**
 * Deletes a job environment file once no pending job needs it (its jobs started, were cancelled
 * or were forgotten), so the submitter's variables stay on disk no longer than Slurm keeps them.
 */
export function releaseEnvironment(store: JobStore, cluster: string, file: string | undefined): void {
  if (file === undefined) return;
  const waiting = store.db
    .prepare(
      `SELECT COUNT(*) AS n FROM job_records WHERE backend = 'local' AND cluster = ? AND state = 'PENDING' AND json_extract(local, '$.environmentFile') = ?`,
    )
    .get(cluster, file) as { n: number };
  if (waiting.n > 0) return;
  try {
    unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

function startJob(dataDir: string, job: StoredJob, onExit?: () => void): { pid: number } | { error: string } {
  const local = job.local!;
  const row = job.row;
  let out: number | undefined;
  let err: number | undefined;
  try {
    const env = jobEnvironment(local);
    out = openSync(row.stdout!, local.openMode === "append" ? "a" : "w");
    err = row.stderr === row.stdout ? out : openSync(row.stderr!, "w");
    // The wrapper records the script's exit status in a file, so the outcome survives even if
    // this daemon is gone by the time the job ends.
    const child = spawn(
      "/bin/sh",
      [
        "-c",
        'f=$1; shift; "$@"; s=$?; echo "$s" > "$f.tmp" && mv "$f.tmp" "$f"',
        "hpcfit-job",
        exitFile(dataDir, row.jobId),
        local.scriptPath,
        ...local.scriptArgs,
      ],
      { cwd: row.directory, env, detached: true, stdio: ["ignore", out, err] },
    );
    child.on("error", () => undefined);
    // The daemon learns of the end at once (the exit-status file remains the record of truth).
    if (onExit) child.on("exit", onExit);
    child.unref();
    if (child.pid === undefined) return { error: "could not start /bin/sh" };
    return { pid: child.pid };
  } catch (e) {
    return { error: (e as Error).message };
  } finally {
    if (out !== undefined) closeSync(out);
    if (err !== undefined && err !== out) closeSync(err);
  }
}

/**
 * Runs one scheduling pass; returns how many jobs are still pending or running. `onJobExit` is
 * called when a job started by this pass exits, so the caller can run the next pass at once.
 */
export function schedulePass(
  store: JobStore,
  dataDir: string,
  cluster: string,
  totalCpus: number,
  onJobExit?: () => void,
): number {
  return store.transaction(() => {
    const now = Date.now();
    const nowIso = new Date(now).toISOString();
    const save = (row: JobRow, local: LocalJobExtras): void => store.update("local", cluster, row, local);

    // Finished, lost, over-time and cancelled jobs.
    for (const job of store.all("local", cluster, ["RUNNING", "CANCELLED", "TIMEOUT"])) {
      const row = { ...job.row };
      const local = { ...job.local! };
      if (local.pid === null) continue;
      if (row.state !== "RUNNING") {
        // Cancelled or timed out: SIGKILL what ignored SIGTERM for longer than KillWait.
        if (!processAlive(local.pid)) local.pid = null;
        else if (local.killedAt === null) {
          signalJob(local.pid, "SIGTERM");
          local.killedAt = now;
        } else if (now - local.killedAt > KILL_WAIT_MS) signalJob(local.pid, "SIGKILL");
        save(row, local);
        continue;
      }
      const file = exitFile(dataDir, row.jobId);
      if (existsSync(file)) {
        const status = Number.parseInt(readFileSync(file, "utf8"), 10);
        row.endTime = nowIso;
        row.exitCode = Number.isNaN(status) ? null : status > 128 ? 0 : status;
        row.signal = status > 128 ? status - 128 : null;
        row.state = status === 0 ? "COMPLETED" : "FAILED";
        row.reason = status === 0 ? null : "NonZeroExitCode";
        local.pid = null;
      } else if (!processAlive(local.pid)) {
        row.state = "FAILED";
        row.reason = "JobLost";
        row.endTime = nowIso;
        local.pid = null;
      } else if (row.timeLimit !== null && row.startTime && now - Date.parse(row.startTime) >= row.timeLimit * 1000) {
        signalJob(local.pid, "SIGTERM");
        local.killedAt = now;
        row.state = "TIMEOUT";
        row.reason = "TimeLimit";
        row.endTime = nowIso;
      } else continue;
      save(row, local);
    }

    // Start what can start, oldest first.
    const running = store.all("local", cluster, ["RUNNING"]);
    let used = running.reduce((sum, j) => sum + j.row.cpus, 0);
    const runningPerArray = new Map<number, number>();
    for (const j of running)
      if (j.row.arrayJobId !== null) runningPerArray.set(j.row.arrayJobId, (runningPerArray.get(j.row.arrayJobId) ?? 0) + 1);
    let blocked = false;
    const pending = store.all("local", cluster, ["PENDING"]);
    for (const job of pending) {
      const row = { ...job.row };
      const local = { ...job.local! };
      let reason: string | null = null;
      if (local.held) reason = "JobHeldUser";
      else if (local.dependency) {
        const v = dependencyVerdict(store, cluster, local.dependency);
        if (v === "wait") reason = "Dependency";
        else if (v === "never") reason = "DependencyNeverSatisfied";
      }
      if (
        reason === null &&
        row.arrayJobId !== null &&
        local.arrayLimit !== null &&
        (runningPerArray.get(row.arrayJobId) ?? 0) >= local.arrayLimit
      ) {
        reason = "JobArrayTaskLimit";
      }
      if (reason === null && (blocked || used + row.cpus > totalCpus)) {
        reason = blocked ? "Priority" : "Resources";
        blocked = true;
      }
      if (reason !== null) {
        if (row.reason !== reason) {
          row.reason = reason;
          save(row, local);
        }
        continue;
      }
      const started = startJob(dataDir, job, onJobExit);
      if ("error" in started) {
        row.state = "FAILED";
        row.reason = `LaunchFailed: ${started.error}`;
        row.startTime = row.endTime = nowIso;
      } else {
        row.state = "RUNNING";
        row.reason = null;
        row.startTime = nowIso;
        row.nodes = hostname();
        local.pid = started.pid;
        used += row.cpus;
        if (row.arrayJobId !== null) runningPerArray.set(row.arrayJobId, (runningPerArray.get(row.arrayJobId) ?? 0) + 1);
      }
      delete (local as { env?: unknown }).env;
      save(row, local);
      releaseEnvironment(store, cluster, local.environmentFile);
    }
    const active = store.db
      .prepare(
        `SELECT COUNT(*) AS n FROM job_records WHERE backend = 'local' AND cluster = ? AND state IN ('PENDING', 'RUNNING')`,
      )
      .get(cluster) as { n: number };
    const killing = store.all("local", cluster, ["CANCELLED", "TIMEOUT"]).filter((j) => j.local?.pid != null).length;
    return active.n + killing;
  });
}
