import type { JobRow } from "../schema/jobs.js";
import { ACTIVE_STATES } from "./states.js";
import type { CancelOutcome, JobFilter } from "./types.js";
import { UserError } from "../util/user-error.js";

/** Checks job ids (`123` or `123_4`, an array id standing for all its tasks); returns them trimmed. */
export function checkJobIds(ids: readonly string[]): string[] {
  if (ids.length === 0) throw new UserError("no job id given");
  return ids.map((raw) => {
    const id = raw.trim();
    if (!/^\d+(_\d+)?$/.test(id))
      throw new UserError(`invalid job id "${raw}" (expected a number like 123, or 123_4 for an array task)`);
    return id;
  });
}

/** What cancelling `id` does to the jobs `rows` it names, seen before the cancel. */
export function cancelOutcome(id: string, rows: JobRow[]): CancelOutcome {
  const before = rows.filter((r) => matchesId(r, id)).map((r) => r.state);
  return { id, cancelled: before.some((s) => ACTIVE_STATES.includes(s)), before };
}

/** True when `row` is the job `id` or a task of the array `id`. */
export function matchesId(row: JobRow, id: string): boolean {
  if (row.id === id) return true;
  return /^\d+$/.test(id) && (row.jobId === Number(id) || row.arrayJobId === Number(id));
}

/** Applies a {@link JobFilter} to rows (both backends filter here, so they agree). */
export function applyFilter(rows: JobRow[], filter: JobFilter = {}): JobRow[] {
  const states = filter.states === "all" ? null : new Set(filter.states ?? ACTIVE_STATES);
  return rows.filter(
    (r) =>
      (states === null || states.has(r.state)) &&
      (filter.user === undefined || r.user === filter.user) &&
      (filter.partition === undefined || r.partition === filter.partition) &&
      (filter.ids === undefined || filter.ids.some((id) => matchesId(r, id))),
  );
}

/**
 * Expands sbatch's file name patterns (`%j` job id, `%x` name, `%A` array id, `%a` task index,
 * `%u` user, `%N` node, `%%`), as Slurm does for `--output` and `--error`.
 */
export function expandFilePattern(
  pattern: string,
  job: { jobId: number; name: string; arrayJobId: number | null; arrayTaskId: number | null; user: string; node: string },
): string {
  return pattern.replace(/%(\d*)([jxAauN%])/g, (_all, width: string, c: string) => {
    const pad = (v: number | string): string => (width ? String(v).padStart(Number(width), "0") : String(v));
    switch (c) {
      case "j":
        return pad(job.jobId);
      case "x":
        return job.name;
      case "A":
        return pad(job.arrayJobId ?? job.jobId);
      case "a":
        return pad(job.arrayTaskId ?? 4294967294);
      case "u":
        return job.user;
      case "N":
        return job.node;
      default:
        return "%";
    }
  });
}
