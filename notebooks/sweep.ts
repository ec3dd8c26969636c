/**
 * Sweeps: one notebook run per combination of parameter values (a grid), outputs named from the
 * parameters, and a summary of every run (parameters, status, run time, output path, recorded
 * values) as CSV and as a notebook.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { parseCsv } from "../schema/csv.js";
import { defaultOutputParent } from "./run-names.js";
import { codeCell, hpcfitNotebook, markdownCell, writeNotebook, type Notebook } from "./notebook.js";
import { checkName, literal, typedValue, type ParameterValues } from "./parameters.js";
import { UserError } from "../util/user-error.js";

/** One `--grid NAME=V1,V2,...` axis. */
export interface GridAxis {
  name: string;
  values: unknown[];
}

/** Parses `steps=1000,5000` into an axis with papermill-typed values. */
export function parseGridAxis(text: string): GridAxis {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UserError(`--grid ${text}: expected NAME=VALUE1,VALUE2,...`);
  const name = checkName(text.slice(0, eq).trim());
  const values = text
    .slice(eq + 1)
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "")
    .map(typedValue);
  if (values.length === 0) throw new UserError(`--grid ${text}: no values after "="`);
  return { name, values };
}

/** Every combination of the axes' values, the last axis varying fastest, merged over `base`. */
export function gridCombinations(axes: GridAxis[], base: ParameterValues = {}): ParameterValues[] {
  const names = new Set<string>();
  for (const axis of axes) {
    if (names.has(axis.name)) throw new UserError(`--grid names ${axis.name} twice`);
    names.add(axis.name);
  }
  let combos: ParameterValues[] = [{ ...base }];
  for (const axis of axes) {
    combos = combos.flatMap((combo) => axis.values.map((value) => ({ ...combo, [axis.name]: value })));
  }
  return combos;
}

/** An output file name for one combination: `<stem>-name=value-....ipynb`, safe on any file system. */
export function sweepOutputName(input: string, combo: ParameterValues, axes: GridAxis[]): string {
  const stem = basename(input, extname(input));
  const parts = axes.map((axis) => {
    const value = combo[axis.name];
    const text = typeof value === "string" ? value : literal(value);
    return `${axis.name}=${text.replace(/[^\w.+-]+/g, "_")}`;
  });
  return `${stem}-${parts.join("-")}.ipynb`;
}

/** One row of a sweep's summary. */
export interface SweepRow {
  parameters: ParameterValues;
  status: "ok" | "failed" | "submitted";
  /** Seconds, when known. */
  runTime?: number;
  output: string;
  error?: string;
  jobId?: string;
  /** The node that ran it (Slurm's name inside a job, else the host), when known. */
  node?: string;
  records: Record<string, unknown>;
}

function csvField(value: unknown): string {
  const text = value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The columns of the summary's records: their names, and the titles they get. A record named
 * like another column (a notebook that records its own parameter) is titled `<name> (recorded)`,
 * so that no two columns share a title.
 */
function recordColumns(rows: SweepRow[], taken: string[]): { names: string[]; titles: string[] } {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.records)))];
  return { names, titles: names.map((n) => (taken.includes(n) ? `${n} (recorded)` : n)) };
}

/** The summary as CSV text: parameter columns, then status, run time, output, job, node, error, records. */
export function summaryCsv(rows: SweepRow[]): string {
  const paramNames = [...new Set(rows.flatMap((r) => Object.keys(r.parameters)))];
  const fixed = [...paramNames, "status", "run_time_s", "output", "job_id", "node", "error"];
  const { names: recordNames, titles } = recordColumns(rows, fixed);
  const header = [...fixed, ...titles];
  const lines = [header.map(csvField).join(",")];
  for (const r of rows) {
    lines.push(
      [
        ...paramNames.map((n) => r.parameters[n]),
        r.status,
        r.runTime === undefined ? "" : r.runTime.toFixed(3),
        r.output,
        r.jobId ?? "",
        r.node ?? "",
        r.error ?? "",
        ...recordNames.map((n) => r.records[n]),
      ]
        .map(csvField)
        .join(","),
    );
  }
  return lines.join("\n") + "\n";
}

function markdownEscape(value: unknown): string {
  const text = value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The summary as a notebook: a table of the runs and a cell that loads the CSV for analysis. */
export function summaryNotebook(rows: SweepRow[], input: string, csvPath: string): Notebook {
  const paramNames = [...new Set(rows.flatMap((r) => Object.keys(r.parameters)))];
  const fixed = [...paramNames, "status", "run time (s)", "output", "node"];
  const { names: recordNames, titles } = recordColumns(rows, fixed);
  const header = [...fixed, ...titles];
  const table = [
    `| ${header.map(markdownEscape).join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map(
      (r) =>
        `| ${[
          ...paramNames.map((n) => r.parameters[n]),
          r.status + (r.error ? `: ${r.error}` : ""),
          r.runTime === undefined ? "" : r.runTime.toFixed(2),
          `[${basename(r.output)}](${basename(r.output)})`,
          r.node ?? "",
          ...recordNames.map((n) => r.records[n]),
        ]
          .map(markdownEscape)
          .join(" | ")} |`,
    ),
  ].join("\n");
  const failed = rows.filter((r) => r.status === "failed").length;
  return hpcfitNotebook(
    [
      markdownCell(`# Sweep of \`${basename(input)}\`\n\n${rows.length} runs, ${failed} failed.\n\n${table}`),
      codeCell(
        [
          `// The same table as data: one object per run.`,
          `import { notebooks } from "hpcfit";`,
          `const runs = notebooks.readSummary(${JSON.stringify(basename(csvPath))});`,
          `runs`,
        ].join("\n"),
      ),
    ],
    { hpcfit: { sweep: { input, runs: rows.length, failed } } },
  );
}

/** Writes `<dir>/<stem>-summary.csv` and `<dir>/<stem>-summary.ipynb`; returns their paths. */
export function writeSummary(rows: SweepRow[], input: string, dir: string): { csv: string; notebook: string } {
  const stem = basename(input, extname(input));
  const csv = join(dir, `${stem}-summary.csv`);
  const notebook = join(dir, `${stem}-summary.ipynb`);
  writeFileSync(csv, summaryCsv(rows));
  writeNotebook(summaryNotebook(rows, input, csv), notebook);
  return { csv, notebook };
}

/** One run of a summary read back: column title → value; numbers are numbers, empty fields are left out. */
export type SummaryRun = Record<string, string | number>;

/** Reads a summary CSV written by {@link writeSummary} back into one object per run. */
export function readSummary(csvPath: string): SummaryRun[] {
  const { header, rows } = parseCsv(readFileSync(csvPath, "utf8"));
  return rows.map((row) => {
    const run: SummaryRun = {};
    header.forEach((title, i) => {
      const text = row[i] ?? "";
      if (text.trim() === "") return;
      // The output path and the error stay text even when they look like numbers.
      run[title] = title !== "output" && title !== "error" && Number.isFinite(Number(text)) ? Number(text) : text;
    });
    return run;
  });
}

/**
 * The newest summary of a sweep of `notebook`: among the run folders in `runsFolder` (default
 * `runs/` beside the notebook, where "Run as Job…" puts them), the one whose
 * `<stem>-summary.csv` was written last; null when no sweep of it has been summarised.
 */
export function latestSummary(notebook: string, runsFolder?: string): { csv: string; runs: SummaryRun[] } | null {
  const parent = resolve(runsFolder ?? defaultOutputParent(notebook));
  if (!existsSync(parent)) return null;
  const name = `${basename(notebook, extname(notebook))}-summary.csv`;
  const found = readdirSync(parent)
    .map((folder) => join(parent, folder, name))
    .filter((csv) => existsSync(csv))
    .map((csv) => ({ csv, at: statSync(csv).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  const newest = found[0];
  return newest === undefined ? null : { csv: newest.csv, runs: readSummary(newest.csv) };
}

/** Runs `tasks` with at most `limit` at once, keeping results in order. */
export async function runLimited<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  });
  await Promise.all(lanes);
  return results;
}
