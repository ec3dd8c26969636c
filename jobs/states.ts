import { JOB_STATES, type JobState } from "../schema/jobs.js";
import { UserError } from "../util/user-error.js";

/**
 * The reason of a Slurm job that left Slurm's memory (MinJobAge after it ended) before hpcfit saw
 * it end, on a cluster without accounting: its final state cannot be known.
 */
export const VANISHED_REASON = "ended unobserved: Slurm no longer knows this job and keeps no accounting";

/** States squeue shows by default: the job has not ended. */
export const ACTIVE_STATES: readonly JobState[] = ["PENDING", "RUNNING", "SUSPENDED", "COMPLETING"];

/** Accepts squeue's state names and short codes (`PD`, `R`, `CD`, ...) in any case. */
export function parseStateName(text: string): JobState {
  const t = text.trim().toUpperCase();
  const short: Record<string, JobState> = {
    PD: "PENDING",
    R: "RUNNING",
    S: "SUSPENDED",
    CG: "COMPLETING",
    CD: "COMPLETED",
    F: "FAILED",
    CA: "CANCELLED",
    TO: "TIMEOUT",
    NF: "NODE_FAIL",
    PR: "PREEMPTED",
    OOM: "OUT_OF_MEMORY",
    BF: "BOOT_FAIL",
    DL: "DEADLINE",
  };
  if (short[t]) return short[t];
  if ((JOB_STATES as readonly string[]).includes(t)) return t as JobState;
  throw new UserError(`unknown job state "${text}" (use e.g. PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, or all)`);
}
