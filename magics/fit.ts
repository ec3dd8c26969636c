/**
 * `%%fit [options]` sends the model in the cell to the cluster as a fit job (or runs it here with
 * `--local`, or shows what it would submit with `--dry-run`); `%fit results JOB`, `%fit jobs` and
 * `%fit --resume DIR` work with fit jobs later. Thin: the work is in `fit-job.ts`.
 */
import { DISPLAY, markShownLive, type MimeBundle } from "../schema/display.js";
import { jobsBundle } from "../jobs/render.js";
import { type Magic, type MagicContext } from "../kernel/magics/types.js";
import {
  dryRunText,
  findFitJob,
  listFitJobs,
  prepareFitJob,
  runPreparedLocally,
  submitFitJob,
  type FitJob,
} from "../fit-jobs/fit-job.js";
import { readSpec } from "../fit-jobs/job-directory.js";
import { fitOptionsUsage, parseFitLine } from "../fit-jobs/options.js";
import { progressLine } from "../fit-jobs/progress.js";
import { UserError } from "../util/user-error.js";
import { userErrors } from "./slurm/magic-support.js";

const USAGE = `%%fit [fit options] [Slurm resources] [--local] [--dry-run] [--var NAME]...
  <a model file: exports \`problem\` (a FitProblem) or a default>
Sends the fit to the cluster as a batch job and shows it live: queued, running (the sampler's
progress), then the fit and MCMC plots. --ntasks=N > 1 spreads a DREAM/SMC fit over N workers
(srun'd on Slurm, threads locally). --var NAME gives a kernel variable to the model (as JSON):
the model uses NAME as if it were declared.
%fit results JOB|DIR   show a finished fit job's results again
%fit jobs              list fit jobs with their state and directory
%fit --resume DIR      resubmit a DREAM fit job from its last checkpoint
${fitOptionsUsage()}`;

/** Shows the job live under one display id and keeps it updated until the job ends. */
function showLive(context: MagicContext, job: FitJob): void {
  const displayId = `hpcfit-fit-${job.id}-${Math.random().toString(36).slice(2, 10)}`;
  context.output.display(job.job.statusBundle(), { displayId });
  markShownLive(job, displayId);
  void job.follow({ update: (bundle) => context.output.display(bundle, { displayId, update: true }) });
}

/** A list of fit jobs that displays as a jobs table with progress and directory. */
class FitJobList extends Array<FitJob> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  [DISPLAY](): MimeBundle {
    const rows = this.map((j) => j.job.tasks[0]);
    const bundle = jobsBundle(rows, this[0]?.spec.backend ?? "local", { withDirectory: true });
    const lines = this.map((j) => {
      const p = j.progress();
      return `${j.id}\t${j.spec.name}\t${j.job.state}\t${p ? progressLine(p) : "-"}\t${j.dir}`;
    });
    bundle["text/plain"] = this.length === 0 ? "No fit jobs." : ["JOBID\tNAME\tSTATE\tPROGRESS\tDIRECTORY", ...lines].join("\n");
    return bundle;
  }
}

async function lineMagic(args: string, context: MagicContext): Promise<unknown> {
  const trimmed = args.trim();
  const [verb, ...rest] = trimmed.split(/\s+/);
  if (verb === "results") {
    if (rest.length !== 1) throw new UserError("%fit results: give one job id or fit job directory");
    const job = await findFitJob(rest[0]);
    await job.job.refresh();
    if (job.job.done && job.job.state === "COMPLETED") {
      await job.result();
      return new ResultView(await job.bundle());
    }
    throw new UserError(
      `fit job ${job.id} is ${job.job.state}: no results yet${job.progress() ? ` (${progressLine(job.progress()!)})` : ""}`,
    );
  }
  if (verb === "jobs") {
    if (rest.length > 0) throw new UserError("%fit jobs takes no arguments");
    const list = new FitJobList();
    list.push(...(await listFitJobs()));
    return list;
  }
  if (verb === "" || verb === undefined) throw new UserError(`%fit: say what to do.\n${USAGE}`);
  const request = parseFitLine(trimmed);
  if (request.resume === undefined)
    throw new UserError(
      "%fit: the line magic takes results JOB, jobs or --resume DIR; use %%fit with a model cell to submit a fit",
    );
  const dir = request.resume;
  readSpec(dir);
  const job = await submitFitJob(dir, { resume: true });
  showLive(context, job);
  return job;
}

/** The final result as a displayable value. */
class ResultView {
  constructor(private readonly data: MimeBundle) {}
  [DISPLAY](): MimeBundle {
    return this.data;
  }
}

async function cellMagic(args: string, body: string, context: MagicContext): Promise<unknown> {
  const request = parseFitLine(args);
  const values: Record<string, unknown> = {};
  for (const name of request.vars) {
    if (!context.hasVariable(name)) throw new UserError(`--var ${name}: the notebook has no variable ${name}`);
    values[name] = context.getVariable(name);
  }
  const prepared = await prepareFitJob(request, body, values);
  if (request.dryRun) {
    context.output.stream("stdout", dryRunText(prepared) + "\n");
    return undefined;
  }
  if (request.local) return runPreparedLocally(prepared, context.signal);
  const job = await submitFitJob(prepared.dir);
  showLive(context, job);
  return job;
}

/** The `%fit` / `%%fit` magic. */
export const fitMagic: Magic = {
  name: "fit",
  kind: "both",
  summary: "Send a fit to the cluster from a cell (%%fit), show its results (%fit results), list fit jobs (%fit jobs).",
  usage: USAGE,
  run(args: string, context: MagicContext, body?: string): Promise<unknown> {
    return userErrors("%fit", () => (body === undefined ? lineMagic(args, context) : cellMagic(args, body, context)));
  },
};
