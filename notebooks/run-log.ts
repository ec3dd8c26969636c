/**
 * The plain-text log of a headless run, for where no progress bar can be drawn (a batch job's log
 * file, a pipe): the parameters it ran with, each code cell as it starts and as it ends with its
 * time, the run's total, and where the output went. Two short lines per cell, never the cells'
 * outputs (those are in the output notebook; `--log-output` adds them).
 */
import { joinSource, type MultilineString } from "./notebook.js";
import { literal, type ParameterValues } from "./parameters.js";
import { describeCell, type CellProgress } from "./runner.js";

/** How many characters of a cell's first line the log shows. */
const SOURCE_CHARS = 60;

/** `Parameters: workers=2, samples=2000`, or null when the run was given none. */
export function parametersLine(parameters: ParameterValues): string | null {
  const entries = Object.entries(parameters);
  return entries.length === 0 ? null : `Parameters: ${entries.map(([k, v]) => `${k}=${literal(v)}`).join(", ")}`;
}

function firstLine(progress: { cell: { source: MultilineString } }): string {
  const line =
    joinSource(progress.cell.source)
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ?? "";
  return line.length > SOURCE_CHARS ? `${line.slice(0, SOURCE_CHARS - 1)}…` : line;
}

function seconds(s: number): string {
  return s < 10 ? `${s.toFixed(2)} s` : s < 600 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`;
}

/** The log's line for a progress event; the bar-less counterpart of the terminal's progress bar. */
export function progressLine(progress: CellProgress, runSeconds?: number): string {
  switch (progress.phase) {
    case "cell":
      return `Executing code cell ${progress.number} of ${progress.of}: ${firstLine(progress)}`;
    case "done": {
      const where = describeCell({
        number: progress.number,
        of: progress.of,
        executionCount: progress.cell.execution_count ?? null,
      });
      return progress.ok ? `${where} done in ${seconds(progress.seconds)}` : `${where} failed after ${seconds(progress.seconds)}`;
    }
    case "end":
      return `Ran ${progress.ran} of ${progress.of} code cells${runSeconds === undefined ? "" : ` in ${seconds(runSeconds)}`}`;
  }
}
