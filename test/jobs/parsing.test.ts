// The parsers behind the magics: sbatch's options and directives, word splitting, file name
// patterns, Slurm's JSON, and the validators of the jobs schema.
import { describe, expect, test } from "vitest";
import { directiveArgs, parseArraySpec, parseDependency, parseSbatchArgs, parseTimeLimit } from "../../jobs/sbatch-options.js";
import { shellWords } from "../../jobs/shell-words.js";
import { expandFilePattern } from "../../jobs/job-ids.js";
import { rowsFromSlurmJob } from "../../jobs/slurm-json.js";
import { parseScontrolLine } from "../../jobs/slurm-backend.js";
import {
  validateJobsClientMessage,
  validateJobsServerMessage,
  validateJobsTable,
  type JobRow,
  type JobState,
} from "../../schema/jobs.js";
import { endNotice } from "../../jobs/render.js";

describe("sbatch options", () => {
  test("time limits in every Slurm form", () => {
    expect(parseTimeLimit("5")).toBe(300);
    expect(parseTimeLimit("0:07")).toBe(7);
    expect(parseTimeLimit("1:02:03")).toBe(3723);
    expect(parseTimeLimit("2-3")).toBe(2 * 86400 + 3 * 3600);
    expect(parseTimeLimit("1-00:30")).toBe(86400 + 1800);
    expect(parseTimeLimit("1-0:0:5")).toBe(86405);
    expect(parseTimeLimit("UNLIMITED")).toBeNull();
    expect(() => parseTimeLimit("10 minutes")).toThrow(/invalid time limit "10 minutes"/);
  });

  test("arrays, steps and throttles", () => {
    expect(parseArraySpec("0-9%2")).toEqual({ indices: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], limit: 2, text: "0-9%2" });
    expect(parseArraySpec("1,3,5-7").indices).toEqual([1, 3, 5, 6, 7]);
    expect(parseArraySpec("0-15:4").indices).toEqual([0, 4, 8, 12]);
    expect(() => parseArraySpec("3-1")).toThrow(/empty range/);
    expect(() => parseArraySpec("0-3%0")).toThrow(/%0/);
  });

  test("dependencies", () => {
    expect(parseDependency("afterok:12:13_2,afterany:14")).toEqual({
      mode: "all",
      clauses: [
        { type: "afterok", ids: ["12", "13_2"] },
        { type: "afterany", ids: ["14"] },
      ],
    });
    expect(parseDependency("afterok:1?afternotok:2").mode).toBe("any");
    expect(() => parseDependency("singleton")).toThrow(/unsupported type "singleton"/);
    expect(() => parseDependency("afterok:x")).toThrow(/"x" is not a job id/);
  });

  test("command line: short, long, attached values, script and its arguments; the command line overrides #SBATCH", () => {
    const base = parseSbatchArgs(
      directiveArgs(
        '#!/bin/bash\n#SBATCH -J "from directive"\n#SBATCH --time=10 # ten minutes\n#SBATCH -c2\necho hi\n#SBATCH --ntasks=9\n',
      ),
    ).options;
    expect(base).toMatchObject({ jobName: "from directive", time: 600, cpusPerTask: 2 });
    expect(base.ntasks).toBeUndefined(); // directives stop at the first command
    const cli = parseSbatchArgs(["-J", "cli", "--output=o-%j.txt", "-H", "--mem", "4G", "run.sh", "--flag", "x"], base);
    expect(cli.options).toMatchObject({
      jobName: "cli",
      output: "o-%j.txt",
      hold: true,
      time: 600,
      cpusPerTask: 2,
      other: { mem: "4G" },
    });
    expect(cli.script).toBe("run.sh");
    expect(cli.scriptArgs).toEqual(["--flag", "x"]);
    expect(() => parseSbatchArgs(["--nope"])).toThrow("unknown sbatch option --nope");
    expect(() => parseSbatchArgs(["-Z"])).toThrow("unknown sbatch option -Z");
    expect(() => parseSbatchArgs(["--job-name"])).toThrow("option --job-name needs a value");
    expect(() => parseSbatchArgs(["--ntasks=0"])).toThrow(/positive integer/);
  });
});

test("shell words keep quotes together and expand nothing", () => {
  expect(shellWords(`-J 'a b' --wrap "echo \\"\${HOME}\\" \\$x" c\\ d`)).toEqual([
    "-J",
    "a b",
    "--wrap",
    'echo "${HOME}" $x',
    "c d",
  ]);
  expect(() => shellWords("'open")).toThrow(/unterminated single quote/);
});

test("file name patterns as Slurm expands them", () => {
  const vars = { jobId: 17, name: "fit", arrayJobId: 12, arrayTaskId: 3, user: "ann", node: "n1" };
  expect(expandFilePattern("%x-%A_%a.%j.%u.%N.%%.%4a", vars)).toBe("fit-12_3.17.ann.n1.%.0003");
});

test("Slurm's JSON: exit status, signal, times, an unsplit pending array, default output names", () => {
  const failed = rowsFromSlurmJob({
    job_id: 6,
    array_job_id: 0,
    array_task_id: null,
    array_task_string: "",
    name: 'a "b"|c',
    job_state: "FAILED",
    state_reason: "NonZeroExitCode",
    submit_time: 1795320365,
    start_time: 1795320369,
    end_time: 1795320370,
    nodes: "vm",
    user_name: "root",
    partition: "debug",
    time_limit: 1,
    current_working_directory: "/w",
    standard_output: "",
    standard_error: "",
    exit_code: 768,
    cpus: 1,
  });
  expect(failed).toEqual([
    expect.objectContaining({
      id: "6",
      name: 'a "b"|c',
      state: "FAILED",
      exitCode: 3,
      signal: null,
      timeLimit: 60,
      stdout: "/w/slurm-6.out",
      stderr: "/w/slurm-6.out",
      endTime: new Date(1795320370000).toISOString(),
    }),
  ]);
  const killed = rowsFromSlurmJob({ job_id: 7, job_state: "CANCELLED", exit_code: 15, current_working_directory: "/w" });
  expect(killed[0]).toMatchObject({ exitCode: 0, signal: 15 });
  const array = rowsFromSlurmJob({
    job_id: 20,
    array_job_id: 20,
    array_task_id: null,
    array_task_string: "0-2%1",
    job_state: "PENDING",
    name: "arr",
    current_working_directory: "/w",
    standard_output: "o-%A_%a",
  });
  expect(array.map((r) => [r.id, r.arrayTaskId, r.stdout])).toEqual([
    ["20_0", 0, "/w/o-20_0"],
    ["20_1", 1, "/w/o-20_1"],
    ["20_2", 2, "/w/o-20_2"],
  ]);
});

test("scontrol's one-line records keep values with spaces", () => {
  expect(parseScontrolLine("JobId=5 JobName=my job name UserId=root(0) JobState=PENDING Reason=JobHeldUser")).toEqual({
    JobId: "5",
    JobName: "my job name",
    UserId: "root(0)",
    JobState: "PENDING",
    Reason: "JobHeldUser",
  });
});

test("the schema's validators accept good messages and name what is wrong in bad ones", () => {
  expect(validateJobsClientMessage({ type: "subscribe", version: 1, filter: { states: ["RUNNING"] } }).ok).toBe(true);
  expect(validateJobsClientMessage({ type: "subscribe", version: 2 })).toEqual({
    ok: false,
    error: "unsupported jobs schema version 2 (this kernel speaks 1)",
  });
  expect(validateJobsClientMessage({ type: "subscribe", filter: { states: ["DONE"] } })).toMatchObject({
    ok: false,
    error: expect.stringContaining('unknown state "DONE"'),
  });
  expect(validateJobsClientMessage({ type: "action", requestId: "r", action: "cancel", ids: [] })).toMatchObject({
    ok: false,
    error: expect.stringContaining("non-empty array"),
  });
  expect(validateJobsClientMessage({ type: "tail", requestId: "r", id: "1", lines: -1 })).toMatchObject({ ok: false });
  expect(validateJobsClientMessage("nope")).toEqual({ ok: false, error: "a jobs message must be a JSON object" });
  expect(validateJobsServerMessage({ type: "reply", requestId: "r", ok: false, error: "x" }).ok).toBe(true);
  expect(validateJobsServerMessage({ type: "changes", version: 1, upserted: [{ id: 1 }], removed: [] })).toMatchObject({
    ok: false,
    error: "upserted[0].id must be a string",
  });
  expect(validateJobsTable({ version: 1, backend: "pbs", jobs: [] })).toMatchObject({ ok: false });
});

describe("how an ended job's output is explained", () => {
  const row = (state: JobState, startTime: string | null): JobRow => ({
    id: "42",
    jobId: 42,
    arrayJobId: null,
    arrayTaskId: null,
    name: "n",
    user: "u",
    state,
    reason: null,
    partition: null,
    nodes: "n1",
    cpus: 1,
    submitTime: null,
    startTime,
    endTime: "2026-01-02T03:04:05.678Z",
    timeLimit: null,
    exitCode: null,
    signal: null,
    directory: "/d",
    stdout: null,
    stderr: null,
    backend: "slurm",
  });
  test("cancelled, timed out and node failures say so; jobs that ran their script to the end need no notice", () => {
    expect(endNotice(row("CANCELLED", null))).toBe(
      "Job 42 was cancelled before it started at 2026-01-02 03:04:05 UTC; its output ends here.",
    );
    expect(endNotice(row("TIMEOUT", "2026-01-02T03:00:00Z"))).toBe(
      "Job 42 reached its time limit and was killed at 2026-01-02 03:04:05 UTC; its output ends here.",
    );
    expect(endNotice(row("NODE_FAIL", "2026-01-02T03:00:00Z"))).toBe(
      "Job 42 was ended by the failure of its node at 2026-01-02 03:04:05 UTC; its output ends here.",
    );
    for (const state of ["COMPLETED", "FAILED", "RUNNING", "PENDING"] as const)
      expect(endNotice(row(state, null))).toBeUndefined();
  });
});
