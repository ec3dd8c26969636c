/**
 * A sweep's summary read back in a notebook: `readSummary` gives one object per run with numbers
 * as numbers, and `latestSummary` finds the newest summary of a notebook's sweeps in its runs
 * folder (where "Run as Job…" puts them), as the scaling study's last cell uses it.
 */
import { mkdirSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { latestSummary, readSummary, writeSummary, type SweepRow } from "../../notebooks/sweep.js";
import { tempDir } from "./support.js";

function rows(seconds: number[]): SweepRow[] {
  return seconds.map((s, i) => ({
    parameters: { workers: i + 1, label: "a, b" },
    status: "ok",
    runTime: s + 1,
    output: join("/runs", `${i + 1}.ipynb`),
    node: "n1",
    records: { seconds: s, cpus: 2 },
  }));
}

test("reads a summary back: numbers as numbers, text as text, empty fields left out", () => {
  const dir = tempDir();
  const failed: SweepRow = {
    parameters: { workers: 3, label: "c" },
    status: "failed",
    output: "/runs/7",
    error: "E: 42",
    records: {},
  };
  const { csv } = writeSummary([...rows([4, 2.5]), failed], join(dir, "study.ipynb"), dir);
  expect(readSummary(csv)).toEqual([
    { workers: 1, label: "a, b", status: "ok", run_time_s: 5, output: "/runs/1.ipynb", node: "n1", seconds: 4, cpus: 2 },
    { workers: 2, label: "a, b", status: "ok", run_time_s: 3.5, output: "/runs/2.ipynb", node: "n1", seconds: 2.5, cpus: 2 },
    // The output path and the error stay text even when they look like numbers.
    { workers: 3, label: "c", status: "failed", output: "/runs/7", error: "E: 42" },
  ]);
});

test("finds the newest summary of the notebook's sweeps in its runs folder, and null when there is none", () => {
  const dir = tempDir();
  const notebook = join(dir, "study.ipynb");
  expect(latestSummary(notebook)).toBeNull();
  for (const name of ["older", "newer", "other"]) mkdirSync(join(dir, "runs", name), { recursive: true });
  expect(latestSummary(notebook)).toBeNull();
  const older = writeSummary(rows([4, 2]), notebook, join(dir, "runs", "older"));
  const newer = writeSummary(rows([8, 4, 3]), notebook, join(dir, "runs", "newer"));
  // Another notebook's sweep is not this one's.
  writeSummary(rows([1]), join(dir, "other.ipynb"), join(dir, "runs", "other"));
  utimesSync(older.csv, new Date(2000, 1, 1), new Date(2000, 1, 1));
  expect(latestSummary(notebook)?.csv).toBe(newer.csv);
  expect(latestSummary(notebook)?.runs.map((r) => r.seconds)).toEqual([8, 4, 3]);
  utimesSync(older.csv, new Date(), new Date(Date.now() + 60_000));
  expect(latestSummary(notebook)?.csv).toBe(older.csv);
  expect(latestSummary(notebook, join(dir, "elsewhere"))).toBeNull();
});
