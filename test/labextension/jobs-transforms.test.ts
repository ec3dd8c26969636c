import { describe, expect, it } from "vitest";
import type { JobRow } from "../../schema/jobs.js";
import {
  cellText,
  compareJobIds,
  elapsedSeconds,
  filterJobs,
  formatDuration,
  groupArrays,
  newestFirst,
  sortJobs,
} from "../../labextension/src/transforms/jobs-table.js";
import {
  defaultFitJobForm,
  fitJobScript,
  shellQuote,
  validateFitJobForm,
} from "../../labextension/src/transforms/fit-job-script.js";

function row(partial: Partial<JobRow> & { id: string }): JobRow {
  const [job, task] = partial.id.split("_");
  return {
    jobId: Number(job) + (task === undefined ? 0 : 1000 + Number(task)),
    arrayJobId: task === undefined ? null : Number(job),
    arrayTaskId: task === undefined ? null : Number(task),
    name: "job",
    user: "alice",
    state: "PENDING",
    reason: null,
    partition: "debug",
    nodes: null,
    cpus: 1,
    submitTime: null,
    startTime: null,
    endTime: null,
    timeLimit: null,
    exitCode: null,
    signal: null,
    directory: "/tmp",
    stdout: null,
    stderr: null,
    backend: "local",
    ...partial,
  };
}

const rows = [
  row({ id: "9", name: "warmup", state: "COMPLETED", startTime: "2026-01-01T00:00:00Z", endTime: "2026-01-01T00:01:05Z" }),
  row({ id: "10_2", name: "sweep", state: "RUNNING", nodes: "n1", startTime: "2026-01-01T00:00:00Z" }),
  row({ id: "10_10", name: "sweep", state: "PENDING", reason: "Resources" }),
  row({ id: "11", name: "dream fit", state: "FAILED", exitCode: 3, user: "bob" }),
];

describe("jobs table transforms", () => {
  it("orders ids numerically with array tasks after their array", () => {
    const ids = ["11", "10_10", "9", "10_2", "10"].sort(compareJobIds);
    expect(ids).toEqual(["9", "10", "10_2", "10_10", "11"]);
    expect(newestFirst(rows).map((r) => r.id)).toEqual(["11", "10_10", "10_2", "9"]);
  });

  it("filters by state and by text in any shown field", () => {
    expect(filterJobs(rows, { states: ["RUNNING", "PENDING"], text: "" }).map((r) => r.id)).toEqual(["10_2", "10_10"]);
    expect(filterJobs(rows, { states: [], text: "DREAM" }).map((r) => r.id)).toEqual(["11"]);
    expect(filterJobs(rows, { states: [], text: "resources" }).map((r) => r.id)).toEqual(["10_10"]);
    expect(filterJobs(rows, { states: [], text: "", user: "bob" }).map((r) => r.id)).toEqual(["11"]);
  });

  it("sorts by a column either way", () => {
    const now = Date.parse("2026-01-01T00:10:00Z");
    expect(sortJobs(rows, "name", false, now).map((r) => r.name)).toEqual(["dream fit", "sweep", "sweep", "warmup"]);
    expect(sortJobs(rows, "elapsed", true, now).map((r) => r.id)).toEqual(["10_2", "9", "11", "10_10"]);
    expect(sortJobs(rows, "id", false, now).map((r) => r.id)).toEqual(["9", "10_2", "10_10", "11"]);
  });

  it("computes elapsed time and writes it the way Slurm does", () => {
    const now = Date.parse("2026-01-01T00:10:00Z");
    expect(elapsedSeconds(rows[0], now)).toBe(65);
    expect(elapsedSeconds(rows[1], now)).toBe(600);
    expect(elapsedSeconds(rows[2], now)).toBeNull();
    expect(formatDuration(65)).toBe("00:01:05");
    expect(formatDuration(90061)).toBe("1-01:01:01");
    expect(cellText(rows[2], "nodes", now)).toBe("(Resources)");
    expect(cellText(rows[3], "state", now)).toBe("FAILED (3)");
  });

  it("groups the tasks of an array under one entry", () => {
    const groups = groupArrays(newestFirst(rows));
    expect(groups.map((g) => (g.kind === "job" ? g.row.id : `array ${g.arrayJobId}`))).toEqual(["11", "array 10", "9"]);
    const array = groups[1];
    expect(array.kind === "array" && array.tasks.map((t) => t.id)).toEqual(["10_10", "10_2"]);
    expect(array.kind === "array" && array.states).toEqual({ PENDING: 1, RUNNING: 1 });
  });
});

describe("new fit job form", () => {
  it("names every field that is wrong", () => {
    const errors = validateFitJobForm({
      ...defaultFitJobForm(),
      modelFile: "",
      nodes: 0,
      time: "soon",
      jobName: "my fit",
      email: "nobody",
      memPerCpu: -1,
    });
    expect(errors.map((e) => e.field).sort()).toEqual(["email", "jobName", "memPerCpu", "modelFile", "nodes", "time"]);
    expect(errors.find((e) => e.field === "time")?.message).toMatch(/HH:MM:SS/);
  });

  it("writes a script with the resources as #SBATCH lines and the hpcfit fit command", () => {
    const form = {
      ...defaultFitJobForm(),
      modelFile: "/home/a/it's model.ts",
      method: "dream" as const,
      samples: 5000,
      burn: 200,
      ntasks: 2,
      cpusPerTask: 2,
      gpus: 1,
      memPerCpu: 1.5,
      memUnit: "G" as const,
      partition: "debug",
      jobName: "curve",
      email: "a@b.org",
    };
    expect(validateFitJobForm(form)).toEqual([]);
    const script = fitJobScript(form);
    expect(script.startsWith("#!/bin/bash\n")).toBe(true);
    for (const line of [
      "#SBATCH --job-name=curve",
      "#SBATCH --ntasks=2",
      "#SBATCH --cpus-per-task=2",
      "#SBATCH --gpus=1",
      "#SBATCH --mem-per-cpu=1536M",
      "#SBATCH --time=00:30:00",
      "#SBATCH --partition=debug",
      "#SBATCH --mail-user=a@b.org",
    ]) {
      expect(script).toContain(`${line}\n`);
    }
    expect(script).toContain(
      `"\${HPCFIT:-hpcfit}" fit '/home/a/it'\\''s model.ts' --fit=dream --samples=5000 --burn=200 --parallel=4 --store='results'/'curve'-"$SLURM_JOB_ID"`,
    );
  });

  it("gives optimizers steps instead of samples", () => {
    const script = fitJobScript({ ...defaultFitJobForm(), modelFile: "m.ts", method: "lm", steps: 300 });
    expect(script).toContain("--fit=lm --steps=300 ");
    expect(script).not.toContain("--samples");
    expect(script).not.toContain("--gpus");
  });

  it("quotes for bash so nothing expands", () => {
    expect(shellQuote("a $HOME `x` 'q'")).toBe("'a $HOME `x` '\\''q'\\'''");
  });
});
