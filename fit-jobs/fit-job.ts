/**
 * The library behind `%%fit` (and the CLI or the JupyterLab "New fit job" form): prepare a fit
 * job's directory from a model's text and options, check it by loading the model once, submit it
 * through the jobs layer, follow it (job state, then the sampler's progress), and read its result
 * back from the store; find fit jobs again later from the job records.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { join, resolve } from "node:path";
import { fit } from "../fit/fit.js";
import "../fit/all-methods.js";
import { getMethod } from "../fit/methods.js";
import type { GatheredDataFile } from "../fit/node/data-files.js";
import { loadModelFile } from "../fit/node/load-model.js";
import "../fit/node/parallel.js";
import { loadResult, saveResult } from "../fit/node/store.js";
import type { FitResult } from "../fit/result.js";
import { usesOption } from "../fit/options/check.js";
import { checkFlagOptions } from "../fit/options/flags.js";
import { DISPLAY, type LiveDisplay, type MimeBundle } from "../schema/display.js";
import { isTerminalState, type JobRow } from "../schema/jobs.js";
import * as jobs from "../jobs/api.js";
import type { Job } from "../jobs/job.js";
import { fitResultBundle, fitStatusBundle } from "./display.js";
import { POPULATION_METHODS } from "./population-methods.js";
import {
  MODEL_FILE,
  SCRIPT_FILE,
  SPEC_FILE,
  STORE_DIR,
  VARS_FILE,
  copyDataFiles,
  jobDirectoryParent,
  jobDirectoryPath,
  modelText,
  newJobDirectory,
  readSpec,
  varsModule,
  writeSpec,
  type FitJobSpec,
} from "./job-directory.js";
import { evaluationMode, jobScript } from "./job-script.js";
import { fitFunctionOptions, sbatchArgs, type FitJobRequest } from "./options.js";

const run = promisify(execFile);
import { readProgress, type FitProgress } from "./progress.js";
import { UserError } from "../util/user-error.js";
import { compiledEntry } from "../util/paths.js";

/** A prepared (written and checked, not yet submitted) fit job. */
export interface PreparedFitJob {
  /** The job directory. */
  dir: string;
  spec: FitJobSpec;
  /** The batch script's text (also in `run.sh`). */
  script: string;
  /** The fitted parameters of the model. */
  labels: string[];
}

/** What the model's check found. */
interface ModelCheck {
  /** The fitted parameters. */
  labels: string[];
  /** The data files the model reads, to copy into the job directory. */
  data: GatheredDataFile[];
}

/**
 * Loads the model once in a child process, in the job directory `work`, and returns its fitted
 * parameters and the data files it reads (from `source`, the model's folder); the cell's code
 * does not run inside the kernel, and a model that hangs cannot hang it.
 */
async function checkModel(work: string, source: string): Promise<ModelCheck> {
  const file = join(work, MODEL_FILE);
  let stdout: string;
  try {
    ({ stdout } = await run(process.execPath, [compiledEntry("fit-jobs/check-model.js"), file, source], {
      cwd: work,
      timeout: 120_000,
      maxBuffer: 1 << 20,
    }));
  } catch (e) {
    throw new UserError(`could not check the model: ${(e as Error).message}`);
  }
  const reply = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
    labels?: string[];
    nllf?: number | string;
    data?: GatheredDataFile[];
    error?: string;
  };
  if (reply.error !== undefined)
    throw new UserError(`the cell is not a usable model file: ${reply.error.replaceAll(file, "the cell")}`);
  if (typeof reply.nllf !== "number")
    throw new UserError(`the model's nllf is ${String(reply.nllf)} at its starting values; fix the model or its starting values`);
  return { labels: reply.labels ?? [], data: reply.data ?? [] };
}

/** Default seconds between DREAM checkpoints. */
const DEFAULT_CHECKPOINT_SECONDS = 30;

/** Checks the fit options against the method, before anything runs. */
function checkFitOptions(request: FitJobRequest): void {
  const method = request.fit.fit;
  if (method !== undefined) {
    try {
      getMethod(method);
    } catch (e) {
      throw new UserError(`--fit: ${(e as Error).message}`);
    }
  }
  const workers = request.resources.ntasks ?? 1;
  if (workers > 1 && (method === undefined || !POPULATION_METHODS.includes(method)))
    throw new UserError(
      `--ntasks=${workers} spreads a population sampler over workers (--fit=${POPULATION_METHODS.join(" or --fit=")}); ${method ?? "the default method"} evaluates one point at a time`,
    );
  // A request made elsewhere than parseFitLine (the Jobs panel's form) gets the same check.
  const { fit: _method, name: _name, ...options } = request.fit;
  checkFlagOptions(options, method);
  if (request.resume !== undefined) throw new UserError("--resume takes no cell: use the line magic %fit --resume DIR");
}

/**
 * Writes a job directory for the model `body` and checks it: the model is loaded once (it must
 * export a problem) and the options are checked against it; the data files it reads from its
 * folder are copied in. On any error the directory is removed again and nothing is submitted.
 * @param values the `--var` variables' values, by name
 * @param source the model's folder, against which its relative data paths are read: the
 *   notebook's (the working directory) for a cell, the model file's for a model file
 */
export async function prepareFitJob(
  request: FitJobRequest,
  body: string,
  values: Record<string, unknown>,
  source: string = process.cwd(),
): Promise<PreparedFitJob> {
  if (body.trim() === "")
    throw new UserError("the cell is empty: write a model file below %%fit that exports `problem` (a FitProblem)");
  const name = request.resources["job-name"] ?? "fit";
  const backend = jobs.backend().kind;
  const workers = request.resources.ntasks ?? 1;
  const varsText = request.vars.length > 0 ? varsModule(values) : undefined;
  const parent = jobDirectoryParent(request.dir);
  // A dry run writes nothing where the job would go: the model is checked in a private
  // temporary folder, and the script shows the directory the job would get.
  const dir = request.dryRun ? jobDirectoryPath(parent, name) : newJobDirectory(parent, name);
  const work = request.dryRun ? mkdtempSync(join(tmpdir(), "hpcfit-dry-run-")) : dir;
  try {
    const spec: FitJobSpec = {
      version: 1,
      kind: "hpcfit.fit-job",
      name,
      created: new Date().toISOString(),
      fit: request.fit,
      resources: request.resources,
      sbatch: request.sbatch,
      workers,
      backend,
      storeName: request.fit.name ?? "fit",
      vars: request.vars,
      checkpointSeconds: request.checkpoint ?? DEFAULT_CHECKPOINT_SECONDS,
      jobIds: [],
    };
    if (varsText !== undefined) writeFileSync(join(work, VARS_FILE), varsText);
    writeFileSync(join(work, MODEL_FILE), modelText(body, request.vars));
    writeSpec(work, spec);
    const { labels, data } = await checkModel(work, resolve(source));
    if (labels.length === 0)
      throw new UserError("the model's problem has no free parameters; give some a range(), pm(), dev() or fit()");
    checkFitOptions(request);
    if (data.length > 0) {
      spec.data = data.map((d) => d.path);
      if (!request.dryRun) copyDataFiles(dir, data);
      writeSpec(work, spec);
    }
    const args = [`--job-name=${name}`, ...sbatchArgs(request).filter((a) => !a.startsWith("--job-name="))];
    const script = jobScript({
      dir,
      sbatch: args,
      workers,
      backend,
      node: process.execPath,
      driver: compiledEntry("fit-jobs/job-main.js"),
      cli: compiledEntry("cli/main.js"),
    });
    if (request.dryRun) return { dir, spec, script, labels };
    writeFileSync(join(dir, SCRIPT_FILE), script, { mode: 0o755 });
    return { dir, spec, script, labels };
  } catch (e) {
    if (!request.dryRun) rmSync(dir, { recursive: true, force: true });
    throw e;
  } finally {
    if (request.dryRun) rmSync(work, { recursive: true, force: true });
  }
}

/** What `--dry-run` shows: the directory, its files and the script. */
export function dryRunText(prepared: PreparedFitJob): string {
  const files = [
    MODEL_FILE,
    ...(prepared.spec.vars.length ? [VARS_FILE] : []),
    SPEC_FILE,
    SCRIPT_FILE,
    `${STORE_DIR}/`,
    ...(prepared.spec.data ?? []).map((path) => `${path} (data)`),
  ];
  const mode = evaluationMode(prepared.spec.backend, prepared.spec.workers);
  return [
    `Dry run: nothing submitted, nothing written. The job directory would be ${prepared.dir}`,
    `  files: ${files.join(", ")}`,
    `  backend: ${prepared.spec.backend}; evaluation: ${mode}${prepared.spec.workers > 1 ? ` (${prepared.spec.workers} workers)` : ""}; fits ${prepared.labels.join(", ")}`,
    `--- ${SCRIPT_FILE} ---`,
    prepared.script,
  ].join("\n");
}

/** Submits a prepared (or earlier) job directory; `resume` continues from its checkpoint. */
export async function submitFitJob(dir: string, options: { resume?: boolean } = {}): Promise<FitJob> {
  const spec = readSpec(dir);
  const job = await jobs.submit({ args: [join(dir, SCRIPT_FILE), ...(options.resume ? ["--resume"] : [])], cwd: dir });
  spec.jobIds.push(job.id);
  writeSpec(dir, spec);
  return new FitJob(job, dir, spec);
}

/**
 * Runs a prepared job's fit here and now (`--local`): the same model file and options, worker
 * threads when several tasks were asked for; the result is stored in the job's store too.
 */
export async function runPreparedLocally(prepared: PreparedFitJob, signal?: AbortSignal): Promise<FitResult> {
  const modelFile = join(prepared.dir, MODEL_FILE);
  const { problem } = await loadModelFile(modelFile);
  const options: Record<string, unknown> = { ...fitFunctionOptions(prepared.spec.fit), signal };
  // Worker threads load the model file; only the methods that have workers take it.
  const method = prepared.spec.fit.fit;
  if (method !== undefined && usesOption(method, "modelFile")) options.modelFile = modelFile;
  if (prepared.spec.workers > 1) options.parallel = prepared.spec.workers;
  const result = await fit(problem, options);
  await saveResult(result, join(prepared.dir, STORE_DIR), prepared.spec.storeName);
  return result;
}

/** A submitted fit job: the batch job, its directory, its progress and, once done, its result. */
export class FitJob {
  private following: Promise<FitJob> | undefined;
  private cachedResult: FitResult | undefined;
  private resultError: string | undefined;

  /** @internal made by {@link submitFitJob} or {@link findFitJob}. */
  constructor(
    /** The batch job. */
    readonly job: Job,
    /** The job directory. */
    readonly dir: string,
    /** The job's description. */
    readonly spec: FitJobSpec,
  ) {}

  /** The job's id. */
  get id(): string {
    return this.job.id;
  }
  /** The batch job's state. */
  get state(): string {
    return this.job.state;
  }
  /** The sampler's progress file, as last written. */
  progress(): FitProgress | undefined {
    return readProgress(this.dir);
  }

  private row(): JobRow {
    return this.job.tasks[0];
  }

  /** The result from the store (throws while the job has not stored one). */
  async result(): Promise<FitResult> {
    if (this.cachedResult) return this.cachedResult;
    try {
      this.cachedResult = await loadResult(join(this.dir, STORE_DIR), this.spec.storeName);
    } catch (e) {
      throw new UserError(`fit job ${this.id} has no stored result yet (${this.job.state}): ${(e as Error).message}`);
    }
    return this.cachedResult;
  }

  /** The bundle for the job's current state: status and progress, or the final result. */
  async bundle(): Promise<MimeBundle> {
    const row = this.row();
    if (this.job.done && row.state === "COMPLETED") {
      try {
        return fitResultBundle(row, await this.result(), this.dir);
      } catch (e) {
        this.resultError = (e as Error).message;
      }
    }
    let note: string | undefined;
    if (this.job.done && row.state !== "COMPLETED") {
      const err = (await this.job.output({ stream: "stderr", lines: 5 })).trim();
      const out = (await this.job.output({ lines: 5 })).trim();
      note = [err, out].filter((s) => s !== "").join("\n") || undefined;
    } else if (this.resultError) note = this.resultError;
    return fitStatusBundle(row, this.spec.backend, this.progress(), this.dir, note);
  }

  /**
   * Keeps `display` up to date until the job ends (status, then progress, then the result);
   * resolves with this job once the final bundle is shown. Polls every `pollMs`.
   */
  follow(display: LiveDisplay, pollMs = 1000): Promise<FitJob> {
    this.following ??= (async () => {
      let last = "";
      for (;;) {
        try {
          await this.job.refresh();
          const bundle = await this.bundle();
          const key = String(bundle["text/plain"]);
          if (key !== last) display.update(bundle);
          last = key;
        } catch {
          // A failed poll is retried; the display keeps its last good state.
        }
        if (this.job.done) return this;
        await new Promise<void>((r) => setTimeout(r, pollMs));
      }
    })();
    return this.following;
  }

  /** Resolves with the result once the job has ended (throws if it ended without one). */
  async wait(options: { pollMs?: number; signal?: AbortSignal } = {}): Promise<FitResult> {
    while (!this.job.done) {
      if (options.signal?.aborted) throw new UserError(`stopped waiting for fit job ${this.id} (it keeps running)`);
      await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
      await this.job.refresh();
    }
    if (this.job.state !== "COMPLETED") {
      const p = this.progress();
      throw new UserError(
        `fit job ${this.id} ended ${this.job.state}${p?.error ? `: ${p.error}` : ""}; see ${this.job.stdout ?? this.dir}`,
      );
    }
    return this.result();
  }

  /** One line: id, name, state, directory. */
  toString(): string {
    return `Fit job ${this.id} (${this.spec.name}) ${this.job.state} in ${this.dir}`;
  }

  /** Shows the job's status line (the live display above carries the progress and results). */
  [DISPLAY](): MimeBundle {
    return { "text/plain": this.toString() };
  }
}

/**
 * Finds a fit job again: by job id (through the job records, which survive kernel restarts) or
 * by its directory.
 */
export async function findFitJob(idOrDir: string): Promise<FitJob> {
  let dir: string;
  let job: Job;
  if (existsSync(join(resolve(idOrDir), SPEC_FILE))) {
    dir = resolve(idOrDir);
    const spec = readSpec(dir);
    const id = spec.jobIds.at(-1);
    if (id === undefined) throw new UserError(`${dir} was never submitted`);
    job = await jobs.get(id);
  } else {
    if (!/^\d+(_\d+)?$/.test(idOrDir)) throw new UserError(`${idOrDir} is neither a job id nor a fit job directory`);
    job = await jobs.get(idOrDir);
    dir = job.directory;
    if (!existsSync(join(dir, SPEC_FILE)))
      throw new UserError(`job ${idOrDir} is not a fit job (its directory ${dir} has no ${SPEC_FILE})`);
  }
  return new FitJob(job, dir, readSpec(dir));
}

/** Fit jobs the job records know (any state), newest first. */
export async function listFitJobs(): Promise<FitJob[]> {
  const all = await jobs.list({ states: "all", recordedOnly: true });
  const found: FitJob[] = [];
  for (const job of all) {
    const dir = job.directory;
    if (!dir || !existsSync(join(dir, SPEC_FILE))) continue;
    try {
      found.push(new FitJob(job, dir, readSpec(dir)));
    } catch {
      // a damaged directory is left out of the list
    }
  }
  return found.reverse();
}

/** The state of a job is final. */
export function isFinished(job: FitJob): boolean {
  return isTerminalState(job.job.state);
}
