/**
 * What the Slurm magics, `%fit` and `%run_notebook` share: word splitting of the magic line, a small
 * option parser that names unknown options, turning library errors into UserErrors named after the
 * magic, and a live job display.
 */
import type { MimeBundle } from "../../schema/display.js";
import { DISPLAY, markShownLive } from "../../schema/display.js";
import type { Job } from "../../jobs/job.js";
import { jobsBundle } from "../../jobs/render.js";
import { shellWords } from "../../jobs/shell-words.js";
import { type MagicContext } from "../../kernel/magics/types.js";
import type { JobsBackendKind } from "../../schema/jobs.js";
import { UserError } from "../../util/user-error.js";

/** Splits a magic's argument line like a shell (quotes kept together, nothing expanded). */
export function words(args: string): string[] {
  try {
    return shellWords(args);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

/** Runs `work`, turning a jobs-layer error into a UserError (shown without a stack). */
export async function userErrors<T>(magic: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`%${magic}: ${e.message}`);
    throw e;
  }
}

/** An option a magic accepts: its names and whether it takes a value. */
export interface OptionSpec {
  names: string[];
  value: boolean;
  key: string;
}

/**
 * Parses `-x VALUE`, `-xVALUE`, `--long VALUE`, `--long=VALUE` and flags; words that are not
 * options are returned as positionals. Unknown options are a UserError naming the known ones.
 */
export function parseOptions(
  magic: string,
  argv: string[],
  specs: OptionSpec[],
): { options: Record<string, string | true>; positional: string[] } {
  const options: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq >= 0 ? arg.slice(0, eq) : arg.startsWith("--") ? arg : arg.slice(0, 2);
    const spec = specs.find((s) => s.names.includes(name));
    if (!spec) {
      throw new UserError(`%${magic}: unknown option ${name} (known: ${specs.flatMap((s) => s.names).join(", ")})`);
    }
    if (!spec.value) {
      if (eq >= 0 || (!arg.startsWith("--") && arg.length > 2)) throw new UserError(`%${magic}: option ${name} takes no value`);
      options[spec.key] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (!arg.startsWith("--") && arg.length > 2) value = arg.slice(2);
    else value = argv[++i];
    if (value === undefined || value === "") throw new UserError(`%${magic}: option ${name} needs a value`);
    options[spec.key] = value;
  }
  return { options, positional };
}

/** Shows a job's status line and keeps it updated in place until the job ends. */
export function showLive(context: MagicContext, job: Job): void {
  const displayId = `hpcfit-job-${job.id}-${Math.random().toString(36).slice(2, 10)}`;
  context.output.display(job.statusBundle(), { displayId });
  markShownLive(job, displayId);
  job.follow({ update: (bundle) => context.output.display(bundle, { displayId, update: true }) });
}

/** An array of jobs that displays itself as a jobs table. */
export class JobList extends Array<Job> {
  /** `map`, `filter` and friends give plain arrays. */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /** The backend the jobs came from (for the table's `backend` field). */
  declare readonly backendKind: JobsBackendKind;
  /** Adds a DIRECTORY column (for `%jobs`). */
  declare readonly withDirectory: boolean;

  /** A list of `jobs` from `backend`. */
  static fromJobs(jobs: Job[], backend: JobsBackendKind, withDirectory = false): JobList {
    const list = new JobList();
    list.push(...jobs);
    // Not enumerable: the value stays an array of jobs to util.inspect and to deep equality.
    Object.defineProperty(list, "backendKind", { value: backend, enumerable: false });
    Object.defineProperty(list, "withDirectory", { value: withDirectory, enumerable: false });
    return list;
  }

  /** The jobs table bundle. */
  [DISPLAY](): MimeBundle {
    return jobsBundle(
      this.flatMap((j) => [...j.tasks]),
      this.backendKind,
      { withDirectory: this.withDirectory },
    );
  }
}
