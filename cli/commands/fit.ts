/**
 * `hpcfit fit MODEL.ts [--fit=METHOD] [--steps N] [--starts N] [--seed N] [--store DIR] ...`:
 * fits the problem a model file exports, like `bumps model.py`. Shows progress while it runs
 * (a bar on a terminal, plain lines otherwise), prints the fit report, and with `--store` writes
 * the bumps-compatible result files. A bad model file, bad option or a model that fails gets a
 * message naming the file (and line, parameter or data point) and a non-zero exit status.
 */
import { basename, extname, resolve } from "node:path";
import cliProgress from "cli-progress";
import { Command, Option } from "commander";
import { fit } from "../../fit/fit.js";
import { getMethod } from "../../fit/methods.js";
import { usesOption } from "../../fit/options/check.js";
import {
  FLAG_OPTION_NAMES, METHOD_FLAG, METHOD_FLAG_HELP, checkFlagOptions, flagHelp, flagValue, isSwitch,
  type FlagOptions,
} from "../../fit/options/flags.js";
import { loadModelFile } from "../../fit/node/load-model.js";
import { saveResult } from "../../fit/node/store.js";
import type { FitResult } from "../../fit/result.js";
import type { FitOptions, Problem } from "../../fit/types.js";
import { UserError } from "../../util/user-error.js";

/** Options of `hpcfit fit` as commander parses them: the fit options `%%fit` takes too, and these. */
export interface FitCliOptions extends FlagOptions {
  /** The fit method. */
  fit?: string;
  /** Directory of the stored result. */
  store?: string;
  /** Base name of the stored files. */
  name?: string;
}

/** Where the command writes; tests and callers may redirect. */
export interface FitCliStreams {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream;
}

/** Exit status when the user interrupted the fit (the best point so far is still reported). */
const EXIT_INTERRUPTED = 130;
/** Plain progress lines (no terminal) are printed at most this often, in milliseconds. */
const PLAIN_INTERVAL_MS = 1000;
/** The terminal bar is redrawn at most this often, in milliseconds. */
const BAR_INTERVAL_MS = 200;

/** Adds `hpcfit fit` to the program; its fit options are made from the fit options table. */
export function registerFitCommand(program: Command): void {
  const command = program
    .command("fit")
    .description("fit the problem a model file exports (default export or `problem`), like `bumps model.py`")
    .argument("<model>", "model file (.ts, .mts, .js, .mjs) exporting a FitProblem")
    .addOption(new Option(`--${METHOD_FLAG} <method>`, METHOD_FLAG_HELP));
  for (const name of FLAG_OPTION_NAMES) {
    const flag = isSwitch(name) ? `--${name} [true|false]` : `--${name} <value>`;
    // Text becomes a value here; every check is made once all flags are read (below), by fit()'s own code.
    command.addOption(new Option(flag, flagHelp(name)).argParser((text: string) => flagValue(name, text)));
  }
  command
    .option("--store <dir>", "write <name>.par, <name>.json (and the MCMC files for samplers) into this directory")
    .option("--name <name>", "base name of the stored files (default: the model file's name without extension)")
    .hook("preAction", (_program, action) => {
      const options = action.opts<FitCliOptions>();
      try {
        if (options.fit !== undefined) getMethod(options.fit);
        checkFlagOptions(flagOptionsOf(options), options.fit);
      } catch (error) {
        action.error(`hpcfit fit: ${messageOf(error)}`);
      }
    })
    .action(async (model: string, options: FitCliOptions) => {
      process.exitCode = await runFitCommand(model, options, { out: process.stdout, err: process.stderr });
    });
}

/** The fit options among the parsed flags. */
function flagOptionsOf(options: FitCliOptions): FlagOptions {
  const out: Record<string, unknown> = {};
  for (const name of FLAG_OPTION_NAMES) if (options[name] !== undefined) out[name] = options[name];
  return out as FlagOptions;
}

/**
 * Runs `hpcfit fit` and returns the exit status (0 done, 1 error, 130 interrupted).
 * @param model the model file
 * @param options the parsed command-line options
 * @param streams where the report and the messages go
 */
export async function runFitCommand(model: string, options: FitCliOptions, streams: FitCliStreams): Promise<number> {
  const file = resolve(model);
  let problem: Problem;
  try {
    ({ problem } = await loadModelFile(file));
  } catch (error) {
    streams.err.write(`hpcfit fit: ${messageOf(error)}\n`);
    return 1;
  }
  const fitOptions = buildFitOptions(options, file);
  const progress = new ProgressView(problem, fitOptions, streams.out);
  const abort = new AbortController();
  const onSigint = (): void => {
    if (abort.signal.aborted) process.exit(EXIT_INTERRUPTED);
    streams.err.write("\nhpcfit fit: interrupted; finishing with the best point so far (Ctrl-C again to quit)\n");
    abort.abort();
  };
  process.on("SIGINT", onSigint);
  let result: FitResult;
  try {
    result = await fit(problem, { ...fitOptions, signal: abort.signal, monitor: progress.monitor });
  } catch (error) {
    progress.stop();
    streams.err.write(`hpcfit fit: ${file}: ${messageOf(error)}\n`);
    return 1;
  } finally {
    process.off("SIGINT", onSigint);
  }
  progress.stop(result);
  streams.out.write(`${result.report()}\n`);
  if (options.store !== undefined) {
    const name = options.name ?? basename(file, extname(file));
    try {
      const files = await saveResult(result, resolve(options.store), name);
      const written = Object.values(files).filter((f): f is string => typeof f === "string");
      streams.out.write(`stored ${written.join(", ")}\n`);
    } catch (error) {
      streams.err.write(`hpcfit fit: could not store the result in ${resolve(options.store)}: ${messageOf(error)}\n`);
      return 1;
    }
  }
  return abort.signal.aborted ? EXIT_INTERRUPTED : 0;
}

/**
 * The options `fit()` gets from the command line: the fit options given, and the model file for
 * methods whose worker threads load it.
 */
function buildFitOptions(options: FitCliOptions, file: string): FitOptions {
  const out: Record<string, unknown> = { ...flagOptionsOf(options) };
  if (options.fit !== undefined) {
    out.method = options.fit;
    if (usesOption(options.fit, "modelFile")) out.modelFile = file;
  }
  return out as FitOptions;
}

function messageOf(error: unknown): string {
  if (error instanceof UserError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Progress of the fit: a cli-progress bar (step, chisq, ETA against the step budget when one was
 * given) on a terminal; otherwise a plain line at most once a second, so logs of batch jobs stay
 * readable.
 */
class ProgressView {
  private readonly bar: cliProgress.SingleBar | undefined;
  private readonly dof: number;
  private readonly total: number;
  private readonly method: string;
  private readonly starts: number;
  private start = 0;
  private lastStep = Number.POSITIVE_INFINITY;
  private lastLine = 0;
  private current = 0;
  private readonly residuals: Float64Array | undefined;

  constructor(
    private readonly problem: Problem,
    options: FitOptions,
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
  ) {
    const nres = problem.residualCount();
    this.dof = Math.max(1, (nres > 0 ? nres : problem.pointCount()) - problem.labels().length);
    this.residuals = nres > 0 ? new Float64Array(nres) : undefined;
    this.total = typeof options.steps === "number" ? options.steps : 0;
    this.method = options.method ?? (nres > 0 ? "lm" : "amoeba");
    this.starts = typeof options.starts === "number" ? options.starts : 1;
    if (out.isTTY) {
      const format = this.total > 0
        ? `fit ${this.method}{start} [{bar}] step {value}/{total} | chisq {chisq} | ETA {eta_formatted}`
        : `fit ${this.method}{start} step {value} | chisq {chisq}`;
      this.bar = new cliProgress.SingleBar(
        { format, stream: out, hideCursor: true, clearOnComplete: false, etaBuffer: 50, fps: 5 },
        cliProgress.Presets.shades_classic,
      );
    }
  }

  /** The `monitor` given to fit(): never stops the fit (Ctrl-C does, through the signal). */
  readonly monitor = (step: number, x: Float64Array, nllf: number): boolean => {
    if (step < this.lastStep) this.newStart();
    this.lastStep = step;
    this.current = step;
    const now = Date.now();
    const interval = this.bar ? BAR_INTERVAL_MS : PLAIN_INTERVAL_MS;
    if (now - this.lastLine < interval) return true;
    this.lastLine = now;
    const chisq = formatChisq(this.chisqAt(x, nllf));
    if (this.bar) {
      this.bar.update(this.total > 0 ? Math.min(step, this.total) : step, { chisq, start: this.startLabel() });
    } else {
      this.out.write(`fit ${this.method}${this.startLabel()}: step ${step}${this.total > 0 ? `/${this.total}` : ""}, chisq ${chisq}\n`);
    }
    return true;
  };

  /**
   * Reduced chi-square at `x`: Σ r² / dof from the residuals (the nllf also holds normalisation
   * and prior terms), or 2·nllf / dof for problems without residuals. Computed only when shown.
   */
  private chisqAt(x: Float64Array, nllf: number): number {
    if (this.residuals === undefined) return (2 * nllf) / this.dof;
    this.problem.residuals(x, this.residuals);
    let s = 0;
    for (let i = 0; i < this.residuals.length; i++) s += this.residuals[i] * this.residuals[i];
    return s / this.dof;
  }

  private newStart(): void {
    this.start++;
    if (this.bar) {
      if (this.start > 1) this.bar.stop();
      this.bar.start(this.total, 0, { chisq: "-", start: this.startLabel() });
    }
  }

  private startLabel(): string {
    return this.starts > 1 ? ` start ${this.start}/${this.starts}` : "";
  }

  /** Ends the bar, or prints the last plain line with the result's chisq. */
  stop(result?: FitResult): void {
    if (this.bar) {
      if (this.start > 0) {
        if (result) this.bar.update({ chisq: formatChisq(result.chisq) });
        this.bar.stop();
      }
    } else if (result) {
      this.out.write(`fit ${this.method}: ${this.current} steps, chisq ${formatChisq(result.chisq)} (done)\n`);
    }
  }
}

function formatChisq(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(6) : String(v);
}
