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
  FLAG_OPTION_NAMES,
  METHOD_FLAG,
  METHOD_FLAG_HELP,
  checkFlagOptions,
  flagHelp,
  flagName,
  flagValue,
  isSwitch,
  type FlagOptions,
} from "../../fit/options/flags.js";
import { loadModelFile } from "../../fit/node/load-model.js";
import { saveResult } from "../../fit/node/store.js";
import { spreadOverAllocation, type SrunEvaluator } from "../../fit/node/srun-workers.js";
import type { FitResult } from "../../fit/result.js";
import type { FitOptions, MonitorInfo, Problem } from "../../fit/types.js";
import { DRAW_METHODS, POPULATION_METHODS } from "../../fit-jobs/population-methods.js";
import { formatRate } from "../../util/rate.js";
import { UserError } from "../../util/user-error.js";
import { dreamSettings, type DreamOptions } from "../../fit/samplers/dream.js";

/** Options of `hpcfit fit` as commander parses them: the fit options `%%fit` takes too, and these. */
export interface FitCliOptions extends FlagOptions {
  /** The fit method. */
  fit?: string;
  /** Directory of the stored result. */
  store?: string;
  /** Exit 0 even when the fit did not converge (else {@link EXIT_UNCONVERGED}). */
  allowUnconverged?: boolean;
  /** Base name of the stored files. */
  name?: string;
  /** Data file for a model that exports a function of the data. */
  data?: string;
  /** With `store`: also write the draws as an ArviZ store, `<name>.zarr` (samplers only). */
  arviz?: boolean;
}

/** Where the command writes; tests and callers may redirect. */
export interface FitCliStreams {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream;
}

/** Exit status when the user interrupted the fit (the best point so far is still reported). */
const EXIT_INTERRUPTED = 130;
/**
 * Exit status of a fit that ran to its end without converging (a sampler's chains not mixed or
 * too short, an optimizer out of steps): the report and the stored files are written as usual,
 * but scripts and sweeps must notice. `--allow-unconverged` makes it 0.
 */
export const EXIT_UNCONVERGED = 3;
/** Plain progress lines (no terminal) are printed at most this often, in milliseconds. */
const PLAIN_INTERVAL_MS = 1000;
/** The terminal bar is redrawn at most this often, in milliseconds. */
const BAR_INTERVAL_MS = 200;

/** Adds `hpcfit fit` to the program; its fit options are made from the fit options table. */
export function registerFitCommand(program: Command): void {
  const command = program
    .command("fit")
    .description("fit the problem a model file exports (default export or `problem`), like `bumps model.py`")
    .addHelpText(
      "after",
      `\nExit status: 0 done, 1 error, ${EXIT_UNCONVERGED} not converged (unless --allow-unconverged), 130 interrupted.`,
    )
    .argument("<model>", "model file (.ts, .mts, .js, .mjs) exporting a FitProblem")
    .addOption(new Option(`--${METHOD_FLAG} <method>`, METHOD_FLAG_HELP));
  for (const name of FLAG_OPTION_NAMES) {
    const flag = isSwitch(name) ? `--${flagName(name)} [true|false]` : `--${flagName(name)} <value>`;
    // Text becomes a value here; every check is made once all flags are read (below), by fit()'s own code.
    command.addOption(new Option(flag, flagHelp(name)).argParser((text: string) => flagValue(name, text)));
  }
  command
    .option("--allow-unconverged", `exit 0 when the fit does not converge (default: exit ${EXIT_UNCONVERGED})`)
    .option("--store <dir>", "write <name>.par, <name>.json (and the MCMC files for samplers) into this directory")
    .option("--name <name>", "base name of the stored files (default: the model file's name without extension)")
    .option(
      "--data <file>",
      "data file (text columns, or HDF5/NeXus) for a model that exports a function of the data: export default (data) => new FitProblem(...)",
    )
    .option("--arviz", "with --store and a sampler (dream, smc): also write <name>.zarr, the draws for ArviZ and xarray")
    .hook("preAction", (_program, action) => {
      const options = action.opts<FitCliOptions>();
      try {
        if (options.arviz === true) checkArvizFlag(options);
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

/** `--arviz` exports a sampler's draws into the store: it needs both, refused before the fit runs. */
function checkArvizFlag(options: FitCliOptions): void {
  if (options.store === undefined) throw new Error("--arviz writes into the store: give --store DIR too");
  if (options.fit === undefined || !DRAW_METHODS.includes(options.fit))
    throw new Error(
      `--arviz exports posterior draws, which ${options.fit ?? "the default method"} does not make: use --fit=${DRAW_METHODS.join(" or --fit=")}`,
    );
}

/** The fit options among the parsed flags. */
function flagOptionsOf(options: FitCliOptions): FlagOptions {
  const out: Record<string, unknown> = {};
  for (const name of FLAG_OPTION_NAMES) if (options[name] !== undefined) out[name] = options[name];
  return out;
}

/**
 * Runs `hpcfit fit` and returns the exit status (0 done, 1 error, 3 not converged, 130 interrupted).
 * @param model the model file
 * @param options the parsed command-line options
 * @param streams where the report and the messages go
 */
export async function runFitCommand(model: string, options: FitCliOptions, streams: FitCliStreams): Promise<number> {
  const file = resolve(model);
  let problem: Problem;
  try {
    ({ problem } = await loadModelFile(file, options.data === undefined ? {} : { data: options.data }));
    // Worker threads and srun'd workers load the model file by its path alone.
    if (options.data !== undefined && options.parallel !== undefined && options.parallel !== false)
      throw new UserError(
        "--data and --parallel cannot be combined yet: the parallel workers load the model without its data file",
      );
  } catch (error) {
    streams.err.write(`hpcfit fit: ${messageOf(error)}\n`);
    return 1;
  }
  const fitOptions = buildFitOptions(options, file);
  // Inside a Slurm job of several nodes, --parallel starts srun'd workers on all of them.
  let spread: SrunEvaluator | undefined;
  try {
    if (options.fit !== undefined && POPULATION_METHODS.includes(options.fit))
      spread = await spreadOverAllocation({
        parallel: options.parallel === false ? undefined : options.parallel,
        modelFile: file,
        labels: problem.labels(),
        log: (line) => streams.err.write(`hpcfit fit: ${line}\n`),
      });
  } catch (error) {
    streams.err.write(`hpcfit fit: ${messageOf(error)}\n`);
    return 1;
  }
  if (spread !== undefined) {
    const sampler = fitOptions as DreamOptions;
    delete sampler.parallel;
    sampler.evaluator = spread;
  }
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
    await spread?.close();
  }
  progress.stop(result);
  streams.out.write(`${result.report()}\n`);
  if (options.store !== undefined) {
    const name = options.name ?? basename(file, extname(file));
    try {
      const files = await saveResult(result, resolve(options.store), name, { arviz: options.arviz === true });
      const written = Object.values(files).filter((f): f is string => typeof f === "string");
      streams.out.write(`stored ${written.join(", ")}\n`);
    } catch (error) {
      streams.err.write(`hpcfit fit: could not store the result in ${resolve(options.store)}: ${messageOf(error)}\n`);
      return 1;
    }
  }
  if (abort.signal.aborted) return EXIT_INTERRUPTED;
  if (!result.converged && !options.allowUnconverged) {
    streams.err.write(
      `hpcfit fit: the fit did not converge (see the report); exit ${EXIT_UNCONVERGED} (--allow-unconverged to accept it)\n`,
    );
    return EXIT_UNCONVERGED;
  }
  return 0;
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
  return out;
}

function messageOf(error: unknown): string {
  if (error instanceof UserError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** DREAM's plan in generations (burn-in included) and the draws each kept generation adds. */
interface SamplerPlan {
  total: number;
  burn: number;
  drawsPerGeneration: number;
}

function samplerPlan(method: string, options: FitOptions, problem: Problem): SamplerPlan | undefined {
  // Sampling until targets are met has no planned end to show progress against.
  if (method !== "dream" || (options as DreamOptions).until !== undefined) return undefined;
  try {
    const { n, thin, burn, nthin } = dreamSettings(options, problem.labels().length);
    return { total: burn + nthin * thin, burn, drawsPerGeneration: n / thin };
  } catch {
    // Bad options: the fit itself reports them.
    return undefined;
  }
}

/**
 * Progress of the fit: a cli-progress bar on a terminal (step, or for DREAM generation out of the
 * planned total with the draws kept so far, chisq, evaluations per second, and an ETA whenever a
 * total is known); otherwise a plain line at most once a second, so logs of batch jobs stay
 * readable, which adds the evaluations so far and the method's status (lm: the Jacobians' share).
 */
class ProgressView {
  private readonly bar: cliProgress.SingleBar | undefined;
  private readonly dof: number;
  private readonly total: number;
  private readonly method: string;
  private readonly starts: number;
  private start = 0;
  private startedAt = Date.now();
  /** When the fit began: the evaluations' rate is over the whole fit, every start's. */
  private readonly fitStartedAt = Date.now();
  private lastStep = Number.POSITIVE_INFINITY;
  private lastLine = 0;
  private current = 0;
  private readonly residuals: Float64Array | undefined;
  private readonly plan: SamplerPlan | undefined;
  private readonly unit: string;

  constructor(
    private readonly problem: Problem,
    options: FitOptions,
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
  ) {
    const nres = problem.residualCount();
    this.dof = Math.max(1, (nres > 0 ? nres : problem.pointCount()) - problem.labels().length);
    this.residuals = nres > 0 ? new Float64Array(nres) : undefined;
    this.method = options.method ?? (nres > 0 ? "lm" : "amoeba");
    this.plan = samplerPlan(this.method, options, problem);
    this.total = this.plan ? this.plan.total : typeof options.steps === "number" ? options.steps : 0;
    this.unit = this.plan ? "generation" : "step";
    this.starts = typeof options.starts === "number" ? options.starts : 1;
    if (out.isTTY) {
      const draws = this.plan ? " | {draws} draws" : "";
      const format =
        this.total > 0
          ? `fit ${this.method}{start} [{bar}] ${this.unit} {value}/{total}${draws} | chisq {chisq} | {rate} evaluations/s | ETA {eta_formatted}`
          : `fit ${this.method}{start} ${this.unit} {value} | chisq {chisq} | {rate} evaluations/s`;
      this.bar = new cliProgress.SingleBar(
        { format, stream: out, hideCursor: true, clearOnComplete: false, etaBuffer: 50, fps: 5 },
        cliProgress.Presets.shades_classic,
      );
    }
  }

  /** The `monitor` given to fit(): never stops the fit (Ctrl-C does, through the signal). */
  readonly monitor = (step: number, x: Float64Array, nllf: number, info: MonitorInfo): boolean => {
    if (step < this.lastStep) this.newStart();
    this.lastStep = step;
    this.current = step;
    const now = Date.now();
    const interval = this.bar ? BAR_INTERVAL_MS : PLAIN_INTERVAL_MS;
    if (now - this.lastLine < interval) return true;
    this.lastLine = now;
    const chisq = formatChisq(this.chisqAt(x, nllf));
    const seconds = (now - this.fitStartedAt) / 1000;
    const rate = seconds > 0 ? formatRate(info.evaluations / seconds) : "-";
    if (this.bar) {
      this.bar.update(this.total > 0 ? Math.min(step, this.total) : step, {
        chisq,
        rate,
        start: this.startLabel(),
        draws: this.drawsAt(step),
      });
    } else {
      const of = this.total > 0 ? `/${this.total}` : "";
      const draws = this.plan ? `, ${this.drawsAt(step)} draws` : "";
      const eta =
        this.total > 0 && step > 0
          ? `, ETA ${formatSeconds(((now - this.startedAt) / step) * Math.max(0, this.total - step))}`
          : "";
      const status = info.status !== "" ? `; ${info.status}` : "";
      this.out.write(
        `fit ${this.method}${this.startLabel()}: ${this.unit} ${step}${of}${draws}, chisq ${chisq}, ` +
          `${info.evaluations} evaluations (${rate}/s)${eta}${status}\n`,
      );
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

  /** Draws kept after `step` generations (none during burn-in). */
  private drawsAt(step: number): number {
    return this.plan ? Math.max(0, Math.floor((step - this.plan.burn) * this.plan.drawsPerGeneration)) : 0;
  }

  private newStart(): void {
    this.startedAt = Date.now();
    this.start++;
    if (this.bar) {
      if (this.start > 1) this.bar.stop();
      this.bar.start(this.total, 0, { chisq: "-", rate: "-", start: this.startLabel(), draws: 0 });
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
      this.out.write(`fit ${this.method}: ${this.current} ${this.unit}s, chisq ${formatChisq(result.chisq)} (done)\n`);
    }
  }
}

function formatSeconds(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function formatChisq(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(6) : String(v);
}
