/**
 * Turns what Slurm reports of one job, however it was read (squeue's JSON or its delimited
 * fields), into {@link JobRow}s, so that every way of listing derives rows the same way.
 */
import { resolve } from "node:path";
import { JOB_STATES, isTerminalState, type JobRow, type JobState } from "../schema/jobs.js";
import { expandFilePattern } from "./job-ids.js";

/** One job as Slurm's controller keeps it, before hpcfit derives rows from it. */
export interface SlurmJobFields {
  /** The job's own id (an unsplit pending array's is the array's id). */
  jobId: number;
  /** The array's id when the job belongs to an array, else null. */
  arrayJobId: number | null;
  /** The tasks of an unsplit pending array (`0-3%2`, `4,6-9`), else empty. */
  taskString: string;
  /** The task index of a split array task, else null. */
  taskId: number | null;
  /** Slurm's state name (`PENDING`, `RUNNING`, ...), possibly followed by flags. */
  state: string;
  /** Slurm's state reason; `None` or empty when there is none. */
  reason: string;
  partition: string;
  /** The node list; empty before the job starts. */
  nodes: string;
  cpus: number | null;
  /** Times in seconds since the epoch; null or 0 when unset. */
  submitTime: number | null;
  startTime: number | null;
  endTime: number | null;
  /** The wall-time limit in seconds, null when unlimited or unset. */
  timeLimit: number | null;
  /** The raw wait status Slurm keeps (exit code in the high byte, signal in the low bits). */
  exitStatus: number | null;
  user: string;
  directory: string;
  /** Standard output's file name pattern as Slurm stores it (`%j`, `%A`, ... unexpanded); empty when unset. */
  stdout: string;
  /** Standard error's pattern; empty when it goes with standard output. */
  stderr: string;
  name: string;
}

function iso(epochSeconds: number | null): string | null {
  return epochSeconds && epochSeconds > 0 ? new Date(epochSeconds * 1000).toISOString() : null;
}

function baseState(text: string): JobState {
  const s = text.split(/[ ,]/)[0].toUpperCase();
  return (JOB_STATES as readonly string[]).includes(s) ? (s as JobState) : "PENDING";
}

/** Expands an unsplit array's task string (`0-3%2`, `4,6-9`) into task indices. */
function taskIndices(text: string): number[] {
  const out: number[] = [];
  for (const part of text.replace(/%\d+$/, "").split(",")) {
    const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part);
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let i = lo; i <= hi; i += Number(m[3] ?? 1)) out.push(i);
  }
  return out;
}

function outputPath(pattern: string, dir: string, fallback: string, job: Parameters<typeof expandFilePattern>[1]): string {
  const p = expandFilePattern(pattern || fallback, job);
  // Normalised, as the submission's record is: `a/../a/x.out` and `a/x.out` are one file.
  return resolve(dir, p);
}

/** One job into rows (several when it is a pending array not yet split). */
export function rowsFromSlurmFields(j: SlurmJobFields): JobRow[] {
  const { jobId, arrayJobId, taskString, name, user } = j;
  const tasks: (number | null)[] = taskString ? taskIndices(taskString) : [j.taskId];
  const st = baseState(j.state);
  const dir = j.directory;
  const nodes = j.nodes || null;
  const raw = j.exitStatus;
  const ended = isTerminalState(st);
  return tasks.map((task) => {
    const isArray = arrayJobId !== null;
    const id = isArray ? `${arrayJobId}_${task ?? "[" + taskString + "]"}` : String(jobId);
    const vars = { jobId, name, arrayJobId, arrayTaskId: task, user, node: nodes?.split(",")[0] ?? "" };
    const fallback = isArray ? "slurm-%A_%a.out" : "slurm-%j.out";
    const stdout = outputPath(j.stdout, dir, fallback, vars);
    const stderr = j.stderr ? outputPath(j.stderr, dir, fallback, vars) : stdout;
    return {
      id,
      jobId: task !== null && taskString ? (arrayJobId ?? jobId) : jobId,
      arrayJobId,
      arrayTaskId: isArray ? task : null,
      name,
      user,
      state: st,
      reason: j.reason && j.reason !== "None" ? j.reason : null,
      partition: j.partition || null,
      nodes,
      cpus: j.cpus ?? 1,
      submitTime: iso(j.submitTime),
      startTime: st === "PENDING" ? null : iso(j.startTime),
      endTime: ended ? iso(j.endTime) : null,
      timeLimit: j.timeLimit,
      // Slurm keeps the raw wait status: the exit code in the high byte, a signal in the low bits.
      exitCode: ended && raw !== null ? (raw >> 8) & 0xff : null,
      signal: ended && raw !== null && (raw & 0x7f) !== 0 ? raw & 0x7f : null,
      directory: dir,
      stdout,
      stderr,
      backend: "slurm" as const,
    };
  });
}
