/**
 * Runs a notebook headless with papermill's semantics: parameters injected after the
 * `parameters` cell, every code cell executed in order through the Jupyter wire protocol, the
 * output notebook written after each cell (and every 30 s during a long one), and a failure
 * reported with a banner at the top pointing at the failing cell.
 */
import { markdownCell, type Notebook, type NotebookCell, type NotebookOutput, joinSource, writeNotebook } from "./notebook.js";
import { OutputRecorder, type IopubMessage } from "./outputs.js";
import { injectParameters, type ParameterValues } from "./parameters.js";
import { RECORD_MIME } from "./record.js";
import { escapeHtml } from "../util/html.js";

/** The reply to one execute request. */
export interface ExecuteReply {
  status: "ok" | "error" | "aborted";
  ename?: string;
  evalue?: string;
  execution_count?: number;
}

/** A running kernel as the runner needs it (see kernel-connection.ts for the ZeroMQ one). */
export interface KernelConnection {
  /** The kernel's language (from kernel_info), used to write the injected cell. */
  readonly language: string;
  /** Runs code; `onIopub` sees each iopub message of this request until the kernel is idle. */
  execute(code: string, onIopub: (message: IopubMessage) => void): Promise<ExecuteReply>;
  /** Interrupts the running cell. */
  interrupt(): Promise<void>;
  /** Rejects when the kernel process dies (with its exit status); never resolves otherwise. */
  readonly died: Promise<never>;
  /** Shuts the kernel down and releases its sockets. */
  shutdown(): Promise<void>;
}

/** How a notebook run went wrong. */
export interface RunFailure {
  /** Index of the failing cell in the output notebook, or -1 when no cell was at fault. */
  cellIndex: number;
  /**
   * Where the failing cell is, as every report of the run names it (banner, terminal, magic):
   * its position among the notebook's code cells, the injected parameters cell included.
   */
  codeCell?: { number: number; of: number; executionCount: number | null };
  ename: string;
  evalue: string;
  /** The run could not go on (kernel died, a cell timed out), even with allowErrors. */
  fatal?: boolean;
}

/** Options of {@link runNotebook}. */
export interface RunOptions {
  /** Parameters to inject (may be empty). */
  parameters: ParameterValues;
  /** Where to write the output notebook after each cell ("-" for stdout, written once at the end). */
  outputPath?: string;
  /** Keep running after a failing cell. */
  allowErrors?: boolean;
  /** Inject parameters the notebook does not declare (otherwise they are refused before the run). */
  allowUnknownParameters?: boolean;
  /** Seconds one cell may run before it is interrupted and the run fails. */
  executionTimeout?: number;
  /** Seconds between saves during a long cell (default 30). */
  saveInterval?: number;
  /** Hide inputs in the output (papermill's report mode). */
  reportMode?: boolean;
  /**
   * Called when a code cell starts (its 1-based number among the code cells, their total), when
   * it ends (with its time and whether it succeeded), and once at the end with the number of
   * cells that ran; a cell that never ran is never reported.
   */
  onCell?: (progress: CellProgress) => void;
  /** Called with each output as it arrives (for --log-output). */
  onOutput?: (output: NotebookOutput) => void;
  /** Called with warnings (e.g. no parameters cell). */
  onWarning?: (message: string) => void;
}

/** Progress of a run in code cells: a cell starting, a cell ended (its seconds, and whether it succeeded), or the end of the run. */
export type CellProgress =
  | { phase: "cell"; number: number; of: number; cell: NotebookCell }
  | { phase: "done"; number: number; of: number; cell: NotebookCell; seconds: number; ok: boolean }
  | { phase: "end"; ran: number; of: number };

/** "code cell 5 of 7 (In [4])": how every report of a run names a failing cell. */
export function describeCell(where: NonNullable<RunFailure["codeCell"]>): string {
  const count = where.executionCount === null ? "not numbered" : `In [${where.executionCount}]`;
  return `code cell ${where.number} of ${where.of} (${count})`;
}

/** What a run produced. */
export interface RunResult {
  notebook: Notebook;
  /** False when the run failed: a cell error (unless allowErrors), a dead kernel, a timeout. */
  ok: boolean;
  /** The first error (also with allowErrors, where it does not make the run fail). */
  failure?: RunFailure;
  /** Values the notebook recorded with `record(name, value)`, by name (last wins). */
  records: Record<string, unknown>;
  /** Wall time in seconds. */
  duration: number;
}

/** Adds the `injected-parameters` cell and run metadata; no kernel needed (`--prepare-only`). */
export function prepareNotebook(
  nb: Notebook,
  options: Pick<RunOptions, "parameters" | "reportMode" | "onWarning">,
  language = "typescript",
): void {
  if (Object.keys(options.parameters).length > 0) {
    const injection = injectParameters(nb, options.parameters, language);
    if (injection.warning) options.onWarning?.(injection.warning);
  } else {
    const meta = (nb.metadata.hpcfit ?? {}) as Record<string, unknown>;
    meta.parameters = {};
    nb.metadata.hpcfit = meta;
  }
  if (options.reportMode) {
    for (const cell of nb.cells) {
      const jupyter = (cell.metadata.jupyter ?? {}) as Record<string, unknown>;
      jupyter.source_hidden = true;
      cell.metadata.jupyter = jupyter;
    }
  }
}

/** Runs every code cell of `nb` (already prepared) on `kernel`, saving as it goes. */
export async function runNotebook(nb: Notebook, kernel: KernelConnection, options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const records: Record<string, unknown> = {};
  const recorder = new OutputRecorder();
  const meta = (nb.metadata.hpcfit ?? {}) as Record<string, unknown>;
  nb.metadata.hpcfit = meta;
  meta.start_time = new Date(started).toISOString();
  delete meta.exception;
  const save = (): void => {
    meta.end_time = new Date().toISOString();
    meta.duration = (Date.now() - started) / 1000;
    if (options.outputPath && options.outputPath !== "-") writeNotebook(nb, options.outputPath);
  };

  const codeCells = nb.cells.filter((c) => c.cell_type === "code");
  for (const cell of codeCells) {
    cell.outputs = [];
    cell.execution_count = null;
    setCellMeta(cell, { status: "pending" });
  }
  save();

  let failure: RunFailure | undefined;
  let done = 0;
  for (const cell of codeCells) {
    options.onCell?.({ phase: "cell", number: done + 1, of: codeCells.length, cell });
    const source = joinSource(cell.source);
    const cellStart = Date.now();
    setCellMeta(cell, { status: "running", start_time: new Date(cellStart).toISOString() });
    save();
    if (source.trim() === "") {
      setCellMeta(cell, {
        status: "completed",
        start_time: new Date(cellStart).toISOString(),
        end_time: new Date().toISOString(),
        duration: 0,
      });
      done++;
      options.onCell?.({ phase: "done", number: done, of: codeCells.length, cell, seconds: 0, ok: true });
      continue;
    }
    recorder.begin(cell.outputs!);
    const timer = setInterval(save, (options.saveInterval ?? 30) * 1000);
    let reply: ExecuteReply;
    try {
      reply = await executeWithLimits(kernel, source, options.executionTimeout, (message) => {
        const out = recorder.apply(message);
        if (message.msgType === "display_data" || message.msgType === "update_display_data") collectRecord(message, records);
        if (out) options.onOutput?.(out);
      });
    } catch (error) {
      reply = { status: "error", ename: (error as Error).name, evalue: (error as Error).message };
      cell.outputs!.push({
        output_type: "error",
        ename: reply.ename!,
        evalue: reply.evalue!,
        traceback: [`${reply.ename}: ${reply.evalue}`],
      });
    } finally {
      clearInterval(timer);
    }
    cell.execution_count = reply.execution_count ?? cell.execution_count ?? null;
    const cellEnd = Date.now();
    const status = reply.status === "ok" ? "completed" : "failed";
    setCellMeta(cell, {
      status,
      start_time: new Date(cellStart).toISOString(),
      end_time: new Date(cellEnd).toISOString(),
      duration: (cellEnd - cellStart) / 1000,
      ...(reply.status === "ok" ? {} : { exception: true }),
    });
    done++;
    options.onCell?.({
      phase: "done",
      number: done,
      of: codeCells.length,
      cell,
      seconds: (cellEnd - cellStart) / 1000,
      ok: reply.status === "ok",
    });
    const fatal = (reply as { fatal?: boolean }).fatal === true;
    if (reply.status !== "ok" && (!failure || (fatal && !failure.fatal))) {
      failure = {
        cellIndex: nb.cells.indexOf(cell),
        codeCell: { number: codeCells.indexOf(cell) + 1, of: codeCells.length, executionCount: cell.execution_count ?? null },
        ename: reply.ename ?? "Error",
        evalue: reply.evalue ?? "the cell failed",
        fatal,
      };
    }
    if (failure && (fatal || !options.allowErrors)) break;
    save();
  }
  options.onCell?.({ phase: "end", ran: done, of: codeCells.length });
  // With allowErrors the run is not a failure (papermill's --allow-errors): the errors stay in
  // their cells and in the result, but no banner, and the caller does not fail.
  const ok = !failure || (options.allowErrors === true && !failure.fatal);
  if (!ok) {
    meta.exception = true;
    markFailure(nb, failure!);
  }
  save();
  if (options.outputPath === "-") writeNotebook(nb, "-");
  return { notebook: nb, ok, failure, records, duration: (Date.now() - started) / 1000 };
}

/** Runs one cell, failing it when the kernel dies or the cell exceeds its time limit. */
async function executeWithLimits(
  kernel: KernelConnection,
  code: string,
  timeoutSeconds: number | undefined,
  onIopub: (message: IopubMessage) => void,
): Promise<ExecuteReply> {
  let timer: NodeJS.Timeout | undefined;
  const limits: Promise<ExecuteReply>[] = [
    kernel.died.then(
      () => ({ status: "error" }),
      (error: unknown) => {
        const reply: ExecuteReply & { fatal: boolean } = {
          status: "error",
          ename: "DeadKernelError",
          evalue: error instanceof Error ? error.message : String(error),
          fatal: true,
        };
        return reply;
      },
    ),
  ];
  if (timeoutSeconds !== undefined && timeoutSeconds > 0) {
    limits.push(
      new Promise<ExecuteReply>((resolve) => {
        timer = setTimeout(() => {
          void kernel.interrupt().catch(() => undefined);
          const reply: ExecuteReply & { fatal: boolean } = {
            status: "error",
            ename: "CellTimeoutError",
            evalue: `the cell ran longer than --execution-timeout ${timeoutSeconds} s and was interrupted`,
            fatal: true,
          };
          resolve(reply);
        }, timeoutSeconds * 1000);
      }),
    );
  }
  try {
    const reply = await Promise.race([kernel.execute(code, onIopub), ...limits]);
    if ((reply as { fatal?: boolean }).fatal && reply.ename) {
      onIopub({
        msgType: "error",
        content: { ename: reply.ename, evalue: reply.evalue, traceback: [`${reply.ename}: ${reply.evalue}`] },
      });
    }
    return reply;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function setCellMeta(cell: NotebookCell, values: Record<string, unknown>): void {
  cell.metadata.hpcfit = values;
}

function collectRecord(message: IopubMessage, records: Record<string, unknown>): void {
  const data = message.content.data as Record<string, unknown> | undefined;
  const record = data?.[RECORD_MIME] as { name?: unknown; value?: unknown } | undefined;
  if (record && typeof record.name === "string") records[record.name] = record.value;
}

const BANNER_TAG = "hpcfit-error-banner";
const ANCHOR_TAG = "hpcfit-error-cell";

/**
 * Puts a banner at the top of the notebook pointing at the failing cell, and an anchor right
 * before that cell, replacing those of an earlier failed run. `failure.cellIndex` -1 means the
 * run failed before any cell (the kernel did not start).
 */
export function markFailure(nb: Notebook, failure: RunFailure): void {
  const failing = failure.cellIndex >= 0 ? nb.cells[failure.cellIndex] : undefined;
  nb.cells = nb.cells.filter((c) => {
    const tags = Array.isArray(c.metadata.tags) ? c.metadata.tags : [];
    return !tags.includes(BANNER_TAG) && !tags.includes(ANCHOR_TAG);
  });
  const where = failing && failure.codeCell ? describeCell(failure.codeCell) : failing ? "the cell below" : "start-up";
  const banner = markdownCell(
    `<span style="color:red; font-family:monospace">An error stopped this run at <a href="#hpcfit-error-cell">${where}</a>: ` +
      `${escapeHtml(failure.ename)}: ${escapeHtml(failure.evalue)}</span>`,
    [BANNER_TAG],
  );
  if (failing) {
    const index = nb.cells.indexOf(failing);
    nb.cells.splice(
      index,
      0,
      markdownCell(
        `<span id="hpcfit-error-cell" style="color:red; font-family:monospace">Execution failed in the cell below.</span>`,
        [ANCHOR_TAG],
      ),
    );
  }
  nb.cells.unshift(banner);
  failure.cellIndex = failing ? nb.cells.indexOf(failing) : -1;
}
