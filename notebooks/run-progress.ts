/**
 * How far a run is, read from its output notebook: the runner writes it when each code cell
 * starts and ends, with each cell's status and times in `metadata.hpcfit`. Reads are cached by
 * the file's size and modification time, so following many jobs reads each file once per save.
 */
import { readFileSync, statSync } from "node:fs";
import type { NotebookRunProgress } from "../schema/notebook-jobs.js";
import { joinSource, parseNotebook, type Notebook } from "./notebook.js";

const cache = new Map<string, { key: string; progress: NotebookRunProgress }>();

/** The progress of a run that has not written its output yet. */
export const PENDING_PROGRESS: NotebookRunProgress = {
  state: "pending",
  done: 0,
  total: 0,
  current: null,
  startTime: null,
  savedAt: null,
  remainingSeconds: null,
  failedCell: null,
};

interface CellMeta {
  status?: unknown;
  duration?: unknown;
}

/** The progress recorded in an output notebook. */
export function progressOf(nb: Notebook): NotebookRunProgress {
  const meta = (nb.metadata.hpcfit ?? {}) as { start_time?: unknown; end_time?: unknown; exception?: unknown };
  const code = nb.cells.filter((c) => c.cell_type === "code");
  let done = 0;
  let spent = 0;
  let current: NotebookRunProgress["current"] = null;
  let failedCell: number | null = null;
  code.forEach((cell, i) => {
    const m = (cell.metadata.hpcfit ?? {}) as CellMeta;
    if (m.status === "completed" || m.status === "failed") {
      done++;
      if (typeof m.duration === "number") spent += m.duration;
    }
    if (m.status === "failed" && failedCell === null) failedCell = nb.cells.indexOf(cell);
    if (m.status === "running" && current === null) {
      const line =
        joinSource(cell.source)
          .split("\n")
          .find((l) => l.trim() !== "") ?? "";
      current = { number: i + 1, line: line.trim().slice(0, 120) };
    }
  });
  const finished = typeof meta.end_time === "string" && current === null && (done === code.length || meta.exception === true);
  const state = meta.exception === true ? "failed" : finished && done === code.length ? "completed" : "running";
  // Cells so far set the pace of those left; before the first cell ends there is no pace to go by.
  const remaining =
    state === "running" && done > 0 ? Math.round((spent / done) * (code.length - done)) : state === "running" ? null : 0;
  return {
    state,
    done,
    total: code.length,
    current: state === "running" ? current : null,
    startTime: typeof meta.start_time === "string" ? meta.start_time : null,
    savedAt: typeof meta.end_time === "string" ? meta.end_time : null,
    remainingSeconds: remaining,
    failedCell,
  };
}

/** The progress of the run writing `output`; pending while the file does not exist or cannot be read whole. */
export function readRunProgress(output: string): NotebookRunProgress {
  let key: string;
  try {
    const info = statSync(output);
    key = `${info.size}:${info.mtimeMs}`;
  } catch {
    return PENDING_PROGRESS;
  }
  const known = cache.get(output);
  if (known?.key === key) return known.progress;
  let progress: NotebookRunProgress;
  try {
    progress = progressOf(parseNotebook(readFileSync(output, "utf8"), output));
  } catch {
    // Caught between a truncate and a write: the last reading stands until the next save.
    return known?.progress ?? PENDING_PROGRESS;
  }
  cache.set(output, { key, progress });
  return progress;
}
