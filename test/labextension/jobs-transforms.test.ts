import { describe, expect, it } from "vitest";
import type { JobRow } from "../../schema/jobs.js";
import {
  cellText,
  compareJobIds,
  elapsedSeconds,
  filterJobs,
  formatDuration,
  groupArrays,
  kernelAllocationLabel,
  newestFirst,
  sortJobs,
} from "../../labextension/src/transforms/jobs-table.js";
import { fitJobOrder, optionFieldsFor, placeholderFor } from "../../labextension/src/transforms/fit-job-order.js";
import { fitJobCatalog } from "../../fit-jobs/panel-requests.js";

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
  const catalog = fitJobCatalog();

  it("shows the fields the chosen method uses, with its defaults as placeholders", () => {
    const dream = optionFieldsFor(catalog, "dream").map((f) => f.name);
    expect(dream).toEqual(expect.arrayContaining(["samples", "burn", "pop", "seed", "steps"]));
    expect(dream).not.toContain("gtol");
    // A sampler takes one start: the form has no field for a value it cannot choose.
    expect(dream).not.toContain("starts");
    expect(optionFieldsFor(catalog, "lm").map((f) => f.name)).toContain("starts");
    const lm = optionFieldsFor(catalog, "lm").map((f) => f.name);
    expect(lm).toEqual(expect.arrayContaining(["gtol", "ftol", "steps"]));
    expect(lm).not.toContain("samples");
    const steps = catalog.options.find((f) => f.name === "steps")!;
    expect(placeholderFor(steps, "lm")).toBe("default 500·(p+1)");
    expect(placeholderFor(steps, "dream")).toBe("a positive integer");
  });

  it("orders only the non-empty fields the method uses, as text", () => {
    const order = fitJobOrder(catalog, {
      modelFile: " /home/a/model.ts ",
      method: "lm",
      values: { samples: "400", gtol: " 1e-6 ", ftol: "", "job-name": "curve", time: "00:05:00", ntasks: "" },
      dir: "",
    });
    expect(order).toEqual({
      modelFile: "/home/a/model.ts",
      method: "lm",
      options: { gtol: "1e-6" },
      resources: { "job-name": "curve", time: "00:05:00" },
    });
    expect(fitJobOrder(catalog, { modelFile: "m.ts", method: "dream", values: { samples: "400" }, dir: "jobs" })).toMatchObject({
      options: { samples: "400" },
      dir: "jobs",
    });
  });
});

describe("the kernel's own allocation", () => {
  it("is marked with its time left, and no other job is", () => {
    const start = "2026-01-01T10:00:00.000Z";
    const own = row({ id: "7", state: "RUNNING", startTime: start, timeLimit: 600, kernelAllocation: true });
    const now = Date.parse(start) + 19_000;
    expect(kernelAllocationLabel(own, now)).toBe("kernel · 00:09:41 left");
    expect(kernelAllocationLabel({ ...own, timeLimit: null }, now)).toBe("kernel");
    expect(kernelAllocationLabel({ ...own, state: "TIMEOUT" }, now)).toBe("kernel");
    expect(kernelAllocationLabel(row({ id: "8", state: "RUNNING", startTime: start, timeLimit: 600 }), now)).toBeNull();
  });
});
