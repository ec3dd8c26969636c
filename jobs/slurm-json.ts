/**
 * Reads `squeue --json` (Slurm's OpenAPI data, v0.0.38 in Slurm 22.05) into {@link JobRow}s.
 * JSON survives any character in a job name, which squeue's fixed-width columns do not. Slurm
 * 22.05 ignores squeue's filters together with `--json`, so callers filter the rows themselves.
 */
import { resolve } from "node:path";
import { JOB_STATES, isTerminalState, type JobRow, type JobState } from "../schema/jobs.js";
import { expandFilePattern } from "./job-ids.js";
import { UserError } from "../util/user-error.js";

type Json = Record<string, unknown>;

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function iso(epochSeconds: unknown): string | null {
  const n = num(epochSeconds);
  return n && n > 0 ? new Date(n * 1000).toISOString() : null;
}

function state(v: unknown): JobState {
  const s = str(v).split(/[ ,]/)[0]!.toUpperCase();
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
  // Normalised, as the submission's record is: `a/../a/x.out` and `a/x.out` are one file.
  return resolve(dir, expandFilePattern(pattern || fallback, job));
}

/** One job object of squeue's JSON into rows (several when it is a pending array not yet split). */
export function rowsFromSlurmJob(j: Json): JobRow[] {
  const jobId = num(j.job_id) ?? 0;
  const arrayJobId = num(j.array_job_id) || null;
  const taskString = str(j.array_task_string);
  const tasks: (number | null)[] = taskString ? taskIndices(taskString) : [num(j.array_task_id)];
  const st = state(j.job_state);
  const name = str(j.name);
  const user = str(j.user_name) || String(num(j.user_id) ?? "");
  const dir = str(j.current_working_directory);
  const nodes = str(j.nodes) || null;
  const raw = num(j.exit_code);
  const ended = isTerminalState(st);
  const limitMinutes = num(j.time_limit);
  const reason = str(j.state_reason);
  return tasks.map((task) => {
    const isArray = arrayJobId !== null;
    const id = isArray ? `${arrayJobId}_${task ?? "[" + taskString + "]"}` : String(jobId);
    const vars = { jobId, name, arrayJobId, arrayTaskId: task, user, node: nodes?.split(",")[0] ?? "" };
    const fallback = isArray ? "slurm-%A_%a.out" : "slurm-%j.out";
    const stdout = outputPath(str(j.standard_output), dir, fallback, vars);
    const stderr = str(j.standard_error) ? outputPath(str(j.standard_error), dir, fallback, vars) : stdout;
    return {
      id,
      jobId: task !== null && taskString ? arrayJobId ?? jobId : jobId,
      arrayJobId,
      arrayTaskId: isArray ? task : null,
      name,
      user,
      state: st,
      reason: reason && reason !== "None" ? reason : null,
      partition: str(j.partition) || null,
      nodes,
      cpus: num(j.cpus) ?? 1,
      submitTime: iso(j.submit_time),
      startTime: st === "PENDING" ? null : iso(j.start_time),
      endTime: ended ? iso(j.end_time) : null,
      timeLimit: limitMinutes === null ? null : limitMinutes * 60,
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

/** Parses the whole output of `squeue --json`. */
export function parseSqueueJson(text: string): JobRow[] {
  let data: Json;
  try {
    data = JSON.parse(text) as Json;
  } catch {
    throw new UserError("squeue --json printed something that is not JSON");
  }
  const errors = Array.isArray(data.errors) ? data.errors : [];
  if (errors.length > 0) throw new UserError(`squeue reported: ${JSON.stringify(errors)}`);
  const jobs = Array.isArray(data.jobs) ? (data.jobs as Json[]) : [];
  return jobs.flatMap(rowsFromSlurmJob);
}
