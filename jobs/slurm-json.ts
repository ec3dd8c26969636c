/**
 * Reads `squeue --json` (Slurm's OpenAPI data, v0.0.38 in Slurm 22.05) into {@link JobRow}s.
 * JSON survives any character in a job name, which squeue's fixed-width columns do not. Slurm
 * 22.05 ignores squeue's filters together with `--json`, so callers filter the rows themselves.
 */
import type { JobRow } from "../schema/jobs.js";
import { UserError } from "../util/user-error.js";
import { rowsFromSlurmFields } from "./slurm-rows.js";

type Json = Record<string, unknown>;

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** One job object of squeue's JSON into rows (several when it is a pending array not yet split). */
export function rowsFromSlurmJob(j: Json): JobRow[] {
  const limitMinutes = num(j.time_limit);
  return rowsFromSlurmFields({
    jobId: num(j.job_id) ?? 0,
    arrayJobId: num(j.array_job_id) || null,
    taskString: str(j.array_task_string),
    taskId: num(j.array_task_id),
    state: str(j.job_state),
    reason: str(j.state_reason),
    partition: str(j.partition),
    nodes: str(j.nodes),
    cpus: num(j.cpus),
    submitTime: num(j.submit_time),
    startTime: num(j.start_time),
    endTime: num(j.end_time),
    timeLimit: limitMinutes === null ? null : limitMinutes * 60,
    exitStatus: num(j.exit_code),
    user: str(j.user_name) || String(num(j.user_id) ?? ""),
    directory: str(j.current_working_directory),
    stdout: str(j.standard_output),
    stderr: str(j.standard_error),
    name: str(j.name),
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
