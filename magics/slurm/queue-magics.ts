/** `%squeue`, `%jobs` and `%sacct`: tables of jobs that are also arrays of Job objects. */
import { userInfo } from "node:os";
import * as jobs from "../../jobs/api.js";
import { checkJobIds } from "../../jobs/job-ids.js";
import { parseStateName } from "../../jobs/states.js";
import type { JobFilter } from "../../jobs/types.js";
import { type Magic } from "../../kernel/magics/types.js";
import { JobList, parseOptions, userErrors, words, type OptionSpec } from "./magic-support.js";
import { UserError } from "../../util/user-error.js";

const FILTER_OPTIONS: OptionSpec[] = [
  { names: ["--me"], value: false, key: "me" },
  { names: ["-u", "--user"], value: true, key: "user" },
  { names: ["-j", "--jobs"], value: true, key: "jobs" },
  { names: ["-t", "--states", "-s", "--state"], value: true, key: "states" },
  { names: ["-p", "--partition"], value: true, key: "partition" },
];

/** Builds a filter from squeue-style options; `defaultAll` lists finished jobs too. */
function filterFrom(magic: string, args: string, defaultAll: boolean): JobFilter {
  const { options, positional } = parseOptions(magic, words(args), FILTER_OPTIONS);
  if (positional.length > 0) throw new UserError(`%${magic}: unexpected argument "${positional[0]}" (job ids go after -j)`);
  if (options.me && options.user) throw new UserError(`%${magic}: use --me or -u USER, not both`);
  const filter: JobFilter = {};
  if (options.me) filter.user = userInfo().username;
  if (typeof options.user === "string") filter.user = options.user;
  if (typeof options.jobs === "string") {
    try {
      filter.ids = checkJobIds(options.jobs.split(","));
    } catch (e) {
      throw new UserError(`%${magic}: ${(e as Error).message}`);
    }
  }
  if (typeof options.partition === "string") filter.partition = options.partition;
  if (typeof options.states === "string") {
    if (options.states.toLowerCase() === "all") filter.states = "all";
    else {
      try {
        filter.states = options.states.split(",").map(parseStateName);
      } catch (e) {
        throw new UserError(`%${magic}: ${(e as Error).message}`);
      }
    }
  } else if (defaultAll || filter.ids) filter.states = "all";
  return filter;
}

/** `%squeue [--me | -u USER] [-j IDS] [-t STATES | -t all] [-p PARTITION]`. */
export const squeueMagic: Magic = {
  name: "squeue",
  kind: "line",
  summary: "List jobs in the queue (a table; the value is an array of Job objects).",
  usage: "%squeue [--me | -u USER] [-j ID,...] [-t STATE,... | -t all] [-p PARTITION]",
  async run(args) {
    const filter = filterFrom("squeue", args, false);
    return userErrors("squeue", async () => JobList.fromJobs(await jobs.list(filter), jobs.backend().kind));
  },
};

/** `%jobs`: this user's jobs submitted through hpcfit, finished ones included, with their directories. */
export const jobsMagic: Magic = {
  name: "jobs",
  kind: "line",
  summary: "This user's jobs known to hpcfit (any state), with their directories.",
  usage: "%jobs [-t STATE,...] [-j ID,...]",
  async run(args) {
    const filter = filterFrom("jobs", args, true);
    filter.user ??= userInfo().username;
    filter.recordedOnly = true;
    return userErrors("jobs", async () => JobList.fromJobs(await jobs.list(filter), jobs.backend().kind, true));
  },
};

/** `%sacct`: accounting; falls back to hpcfit's records when Slurm keeps no accounting. */
export const sacctMagic: Magic = {
  name: "sacct",
  kind: "line",
  summary: "Accounting of jobs (sacct, or hpcfit's records when Slurm has no accounting).",
  usage: "%sacct [--me | -u USER] [-j ID,...] [-s STATE,...]",
  async run(args, context) {
    const filter = filterFrom("sacct", args, true);
    return userErrors("sacct", async () => {
      const result = await jobs.accounting(filter);
      if (result.source === "records") {
        context.output.stream("stderr", "Slurm keeps no accounting here; showing hpcfit's own job records.\n");
      }
      return JobList.fromJobs(result.jobs, jobs.backend().kind);
    });
  },
};
