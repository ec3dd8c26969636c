// The sweep summary's CSV as the summary viewer reads it: quoted fields, numeric columns, and one
// line per combination of the other parameters, sorted along the chosen one.
import { expect, test } from "vitest";
import { numericColumns, scaledSeries, seriesOf } from "../../labextension/src/transforms/csv-table.js";
import { parseCsv } from "../../schema/csv.js";
import { summaryCsv } from "../../notebooks/sweep.js";

test("reads back what the sweep summary writes, quotes and newlines included", () => {
  const text = summaryCsv([
    { parameters: { workers: 2, label: 'a, "b"' }, status: "ok", runTime: 1.5, output: "/x/a.ipynb", records: { t: 3 } },
    { parameters: { workers: 1, label: "two\nlines" }, status: "failed", output: "/x/b.ipynb", error: "E: no", records: {} },
  ]);
  const table = parseCsv(text);
  expect(table.header).toEqual(["workers", "label", "status", "run_time_s", "output", "job_id", "node", "error", "t"]);
  expect(table.rows).toEqual([
    ["2", 'a, "b"', "ok", "1.500", "/x/a.ipynb", "", "", "", "3"],
    ["1", "two\nlines", "failed", "", "/x/b.ipynb", "", "", "E: no", ""],
  ]);
  expect(numericColumns(table)).toEqual(["workers", "run_time_s", "t"]);
});

test("a record named like a parameter gets a column of its own, titled as recorded", () => {
  const table = parseCsv(
    summaryCsv([{ parameters: { workers: 2 }, status: "ok", runTime: 1, output: "/x/a.ipynb", records: { workers: 2, t: 5 } }]),
  );
  expect(table.header).toEqual([
    "workers",
    "status",
    "run_time_s",
    "output",
    "job_id",
    "node",
    "error",
    "workers (recorded)",
    "t",
  ]);
});

test("plots a column against a parameter, one sorted line per value of the others", () => {
  const table = parseCsv("workers,size,status,t\n2,10,ok,5\n1,10,ok,10\n1,20,ok,20\n2,20,ok,10\n4,20,ok,\n");
  expect(seriesOf(table, "workers", "t", ["size"])).toEqual([
    { type: "scatter", mode: "lines+markers", name: "size=10", x: [1, 2], y: [10, 5] },
    { type: "scatter", mode: "lines+markers", name: "size=20", x: [1, 2], y: [20, 10] },
  ]);
});

test("shows times against a count as speedup and efficiency, with the ideal line, each line from its own fewest", () => {
  const table = parseCsv("workers,size,status,seconds\n2,10,ok,6\n1,10,ok,10\n4,10,ok,4\n2,20,ok,10\n4,20,ok,5\n");
  const lines = seriesOf(table, "workers", "seconds", ["size"]);
  expect(scaledSeries(lines, "values")).toBe(lines);
  expect(scaledSeries(lines, "speedup")).toEqual([
    { type: "scatter", mode: "lines+markers", name: "size=10", x: [1, 2, 4], y: [1, 10 / 6, 2.5] },
    { type: "scatter", mode: "lines+markers", name: "size=20", x: [2, 4], y: [1, 2] },
    { type: "scatter", mode: "lines", name: "ideal", x: [1, 2, 4], y: [1, 2, 4], line: { dash: "dash" } },
  ]);
  expect(scaledSeries(lines, "efficiency")).toEqual([
    { type: "scatter", mode: "lines+markers", name: "size=10", x: [1, 2, 4], y: [1, 10 / 6 / 2, 2.5 / 4] },
    { type: "scatter", mode: "lines+markers", name: "size=20", x: [2, 4], y: [1, 1] },
    { type: "scatter", mode: "lines", name: "ideal", x: [1, 2, 4], y: [1, 1, 1], line: { dash: "dash" } },
  ]);
});

test("leaves out what cannot be scaled: counts that are not positive numbers, times that are not positive", () => {
  const named = seriesOf(parseCsv("kind,status,seconds\na,ok,2\nb,ok,1\n"), "kind", "seconds", []);
  expect(scaledSeries(named, "speedup")).toEqual([]);
  const zero = seriesOf(parseCsv("workers,status,seconds\n1,ok,0\n2,ok,1\n"), "workers", "seconds", []);
  expect(scaledSeries(zero, "efficiency")).toEqual([]);
});
