import { isTerminalState, type JobRow, type JobState } from "../../../schema/jobs.js";

/** Columns of the jobs table and panel, in their default order. */
export const JOB_COLUMNS = ["id", "name", "state", "elapsed", "nodes", "partition", "user", "submitTime"] as const;

/** A column of the jobs table. */
export type JobColumn = (typeof JOB_COLUMNS)[number];

/** Column headers for people. */
export const JOB_COLUMN_TITLES: Record<JobColumn, string> = {
  id: "ID",
  name: "Name",
  state: "State",
  elapsed: "Elapsed",
  nodes: "Nodes (reason)",
  partition: "Partition",
  user: "User",
  submitTime: "Submitted",
};

/** What the user typed and picked to narrow the list. */
export interface JobsFilterInput {
  /** States to keep; empty keeps all. */
  states: readonly JobState[];
  /** Case-insensitive text matched against id, name, user, partition, nodes and reason. */
  text: string;
  /** Keep only this user's jobs when set. */
  user?: string;
}

/** Rows that pass `filter`. */
export function filterJobs(rows: readonly JobRow[], filter: JobsFilterInput): JobRow[] {
  const text = filter.text.trim().toLowerCase();
  return rows.filter((row) => {
    if (filter.states.length > 0 && !filter.states.includes(row.state)) return false;
    if (filter.user !== undefined && row.user !== filter.user) return false;
    if (text === "") return true;
    return [row.id, row.name, row.user, row.partition ?? "", row.nodes ?? "", row.reason ?? ""].some((field) =>
      field.toLowerCase().includes(text),
    );
  });
}

/** Seconds a job has run: end − start, or now − start while running; null before it starts. */
export function elapsedSeconds(row: JobRow, now: number): number | null {
  if (row.startTime === null) return null;
  const start = Date.parse(row.startTime);
  if (Number.isNaN(start)) return null;
  const end = row.endTime === null ? now : Date.parse(row.endTime);
  if (Number.isNaN(end)) return null;
  return Math.max(0, Math.round((end - start) / 1000));
}

/** `[D-]HH:MM:SS`, Slurm's way of writing durations. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return "";
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const hms = [h, m, s].map((v) => String(v).padStart(2, "0")).join(":");
  return d > 0 ? `${d}-${hms}` : hms;
}

/** Job ids compare as numbers, array tasks after their array: 9 < 10 < 10_2 < 10_10 < 11. */
export function compareJobIds(a: string, b: string): number {
  const [aj, at] = a.split("_");
  const [bj, bt] = b.split("_");
  const d = Number(aj) - Number(bj);
  if (d !== 0 && !Number.isNaN(d)) return d;
  if (at === undefined || bt === undefined) return (at === undefined ? 0 : 1) - (bt === undefined ? 0 : 1);
  const t = Number(at) - Number(bt);
  return Number.isNaN(t) ? at.localeCompare(bt) : t;
}

/** The text or number a column sorts by. */
function sortKey(row: JobRow, column: JobColumn, now: number): string | number {
  switch (column) {
    case "elapsed":
      return elapsedSeconds(row, now) ?? -1;
    case "nodes":
      return row.nodes ?? row.reason ?? "";
    case "submitTime":
      return row.submitTime === null ? 0 : Date.parse(row.submitTime) || 0;
    case "id":
      return row.id;
    default:
      return row[column] ?? "";
  }
}

/** Rows sorted by `column`; ties keep newest first. `now` is the clock for running jobs. */
export function sortJobs(rows: readonly JobRow[], column: JobColumn, descending: boolean, now: number): JobRow[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    let d: number;
    if (column === "id") d = compareJobIds(a.id, b.id);
    else {
      const ka = sortKey(a, column, now);
      const kb = sortKey(b, column, now);
      d = typeof ka === "number" && typeof kb === "number" ? ka - kb : String(ka).localeCompare(String(kb));
    }
    return d !== 0 ? sign * d : -compareJobIds(a.id, b.id);
  });
}

/** Newest first: by job id descending (ids grow with submission). */
export function newestFirst(rows: readonly JobRow[]): JobRow[] {
  return [...rows].sort((a, b) => -compareJobIds(a.id, b.id));
}

/** A plain job, or an array job with its tasks. */
export type JobGroup =
  | { kind: "job"; row: JobRow }
  | { kind: "array"; arrayJobId: number; name: string; tasks: JobRow[]; states: Partial<Record<JobState, number>> };

/**
 * Groups the tasks of each job array under one entry (placed where its newest task would be),
 * keeping the order of `rows` otherwise.
 */
export function groupArrays(rows: readonly JobRow[]): JobGroup[] {
  const groups: JobGroup[] = [];
  const arrays = new Map<number, Extract<JobGroup, { kind: "array" }>>();
  for (const row of rows) {
    if (row.arrayJobId === null) {
      groups.push({ kind: "job", row });
      continue;
    }
    let group = arrays.get(row.arrayJobId);
    if (group === undefined) {
      group = { kind: "array", arrayJobId: row.arrayJobId, name: row.name, tasks: [], states: {} };
      arrays.set(row.arrayJobId, group);
      groups.push(group);
    }
    group.tasks.push(row);
    group.states[row.state] = (group.states[row.state] ?? 0) + 1;
  }
  return groups;
}

/** The JupyterLab CSS variable that colours a state (running: brand, done: success, failed: error, ...). */
export function stateColorVar(state: JobState): string {
  switch (state) {
    case "PENDING":
    case "SUSPENDED":
      return "--jp-warn-color1";
    case "RUNNING":
    case "COMPLETING":
      return "--jp-brand-color1";
    case "COMPLETED":
      return "--jp-success-color1";
    case "CANCELLED":
    case "PREEMPTED":
      return "--jp-ui-font-color2";
    default:
      return "--jp-error-color1";
  }
}

/** The text of a column's cell. */
export function cellText(row: JobRow, column: JobColumn, now: number): string {
  switch (column) {
    case "elapsed":
      return formatDuration(elapsedSeconds(row, now));
    case "nodes":
      return row.nodes ?? (row.reason !== null ? `(${row.reason})` : "");
    case "submitTime":
      return row.submitTime === null ? "" : row.submitTime.replace("T", " ").replace(/\.\d+Z?$|Z$/, "");
    case "state":
      return row.state === "FAILED" && row.exitCode !== null ? `FAILED (${row.exitCode})` : row.state;
    default:
      return row[column] ?? "";
  }
}

/**
 * The mark of the allocation the kernel itself runs in (a kernel on Slurm): `kernel · 00:09:41 left`,
 * `kernel` when its end is unknown, null for every other job.
 */
export function kernelAllocationLabel(row: JobRow, now: number): string | null {
  if (row.kernelAllocation !== true) return null;
  if (row.startTime === null || row.timeLimit === null || isTerminalState(row.state)) return "kernel";
  const left = Math.max(0, Math.round((Date.parse(row.startTime) + row.timeLimit * 1000 - now) / 1000));
  return `kernel · ${formatDuration(left)} left`;
}
