/**
 * Lists jobs through squeue's delimited `-O` fields rather than `--json`: Slurm 22.05 ignores
 * `--me`, `-u` and `-t` with `--json` and prints the whole queue, while `-O` lets the controller
 * send only the jobs asked for. Fields are unpadded (`:0`) and each ends with the ASCII unit
 * separator; the fixed-form fields come first and the free-text ones (directory, output paths,
 * name) last. A record whose free text holds the separator itself cannot be split with
 * certainty: its job id is reported as unclear, for the caller to read that job another way.
 */
import type { JobRow } from "../schema/jobs.js";
import { parseTimeLimit } from "./sbatch-options.js";
import { rowsFromSlurmFields, type SlurmJobFields } from "./slurm-rows.js";
import { UserError } from "../util/user-error.js";

/** The field separator: a control character that job names and paths practically never hold. */
const SEPARATOR = "\x1f";

/** squeue's `-O` field names, in the order they are printed; free text comes last. */
const FIELDS = [
  "JobID",
  "ArrayJobID",
  "ArrayTaskID",
  "State",
  "Reason",
  "Partition",
  "NodeList",
  "NumCPUs",
  "SubmitTime",
  "StartTime",
  "EndTime",
  "TimeLimit",
  "exit_code",
  "UserName",
  "WorkDir",
  "STDOUT",
  "STDERR",
  "Name",
] as const;

/** How many leading fields never hold free text (and so never the separator). */
const FIXED = FIELDS.indexOf("WorkDir");

/** The arguments of `squeue` that print every field {@link parseSqueueFields} reads. */
export function squeueFieldArgs(): string[] {
  return ["--noheader", "-O", FIELDS.map((f) => `${f}:0${SEPARATOR}`).join(",")];
}

/** Environment squeue needs for {@link parseSqueueFields}: times as seconds since the epoch, free of the time zone. */
export const SQUEUE_FIELDS_ENV: Readonly<Record<string, string>> = { SLURM_TIME_FORMAT: "%s" };

/** What {@link parseSqueueFields} read. */
export interface SqueueFieldsListing {
  /** The rows of every record that could be read with certainty. */
  rows: JobRow[];
  /** Job ids (squeue's JobID) of records that could not: their free text holds the separator. */
  unclear: number[];
}

/** A count, or null for squeue's "N/A" and the like. */
function count(text: string): number | null {
  return /^\d+$/.test(text) ? Number(text) : null;
}

/** A time in seconds since the epoch (squeue prints N/A, NONE or Unknown when unset). */
function epoch(text: string): number | null {
  return /^-?\d+$/.test(text) ? Number(text) : null;
}

/** A time limit as squeue prints it (`UNLIMITED`, `30:00`, `1-02:00:00`), in seconds; undefined when unreadable. */
function limit(text: string): number | null | undefined {
  if (/^(UNLIMITED|NOT_SET|N\/A|INVALID)$/i.test(text)) return null;
  if (!/^(?:\d+-)?\d+(?::\d+){0,2}$/.test(text)) return undefined;
  return parseTimeLimit(text);
}

/** The fields of one record, or null when they do not have the form squeue gives them. */
function fieldsOf(parts: string[]): SlurmJobFields | null {
  const [
    jobId,
    arrayJobId,
    arrayTask,
    state,
    reason,
    partition,
    nodes,
    cpus,
    submit,
    start,
    end,
    timeLimit,
    exitStatus,
    user,
    directory,
    stdout,
    stderr,
    name,
  ] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const timeLimitSeconds = limit(timeLimit);
  if (count(jobId) === null || count(arrayJobId) === null || !/^[A-Z_]+/.test(state) || timeLimitSeconds === undefined)
    return null;
  if (arrayTask !== "N/A" && !/^[\d,\-:%]+$/.test(arrayTask)) return null;
  // A split array task prints its index; an unsplit pending array its task string (`3-5`, `1,4`),
  // which is a single index when one task is left.
  const isArray = arrayTask !== "N/A";
  const single = isArray && /^\d+$/.test(arrayTask);
  // squeue prints its own default for an output nobody set, named after the job's own id even in
  // an array (whose tasks in fact write slurm-<array>_<task>.out); the rows derive the default.
  const unset = (path: string): boolean => path === `${directory.replace(/\/$/, "")}/slurm-${jobId}.out`;
  const out = unset(stdout) ? "" : stdout;
  // Standard error that goes with standard output is printed as its path.
  const err = stderr === stdout || unset(stderr) ? "" : stderr;
  return {
    jobId: Number(jobId),
    arrayJobId: isArray ? Number(arrayJobId) : null,
    taskString: isArray && !single ? arrayTask : "",
    taskId: single ? Number(arrayTask) : null,
    state,
    reason,
    partition,
    nodes,
    cpus: count(cpus),
    submitTime: epoch(submit),
    startTime: epoch(start),
    endTime: epoch(end),
    timeLimit: timeLimitSeconds,
    exitStatus: epoch(exitStatus),
    user,
    directory,
    stdout: out,
    stderr: err,
    name,
  };
}

/**
 * Parses the output of `squeue` run with {@link squeueFieldArgs} and {@link SQUEUE_FIELDS_ENV}.
 * Each record ends with the separator and a newline; a newline inside a name or path stays in
 * its record, since a record only starts with a line of the form `<digits>SEP<digits>SEP`.
 */
export function parseSqueueFields(text: string): SqueueFieldsListing {
  const records: string[] = [];
  const start = new RegExp(`^\\d+${SEPARATOR}\\d+${SEPARATOR}`);
  for (const line of text.split("\n")) {
    const last = records.length - 1;
    if (last >= 0 && (!records[last].endsWith(SEPARATOR) || !start.test(line))) records[last] += `\n${line}`;
    else if (line !== "") records.push(line);
  }
  const rows: JobRow[] = [];
  const unclear: number[] = [];
  for (const record of records) {
    const body = record.replace(/\n+$/, "");
    const parts = body.split(SEPARATOR);
    // The record's last field ends with the separator too: one empty part follows it.
    const fields =
      parts.length === FIELDS.length + 1 && parts[FIELDS.length] === "" ? fieldsOf(parts.slice(0, FIELDS.length)) : null;
    if (fields) rows.push(...rowsFromSlurmFields(fields));
    else if (parts.length > FIXED && count(parts[0]) !== null) unclear.push(Number(parts[0]));
    else throw new UserError(`squeue printed a record hpcfit cannot read: ${JSON.stringify(body.slice(0, 200))}`);
  }
  return { rows, unclear };
}
