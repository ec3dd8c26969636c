/**
 * The Slurm allocation the current process (a kernel) runs in, as Slurm's environment names it:
 * what `%kernel where` reports and what the Jobs panel marks as the kernel's own job.
 */
import { hostname } from "node:os";
import { show } from "./api.js";
import { elapsed } from "./render.js";

/** Where this kernel runs. */
export interface KernelPlace {
  /** The host, or the Slurm node's name inside an allocation. */
  node: string;
  /** The allocation's job id, null outside Slurm. */
  jobId: string | null;
  /** Time left before the job's limit (`9:41`, `1:02:03`), null when unlimited or outside Slurm. */
  timeLeft: string | null;
  /** The allocation's end (ISO 8601), null when unlimited or outside Slurm. */
  endTime: string | null;
}

/** The job id of the allocation this process runs in, null outside one. */
export function kernelJobId(env: NodeJS.ProcessEnv = process.env): string | null {
  const id = env.SLURM_JOB_ID;
  return id !== undefined && /^\d+$/.test(id) ? id : null;
}

/** Where this kernel runs, asking Slurm for its allocation's end. */
export async function kernelPlace(env: NodeJS.ProcessEnv = process.env): Promise<KernelPlace> {
  const jobId = kernelJobId(env);
  const node = env.SLURMD_NODENAME || hostname();
  if (jobId === null) return { node, jobId, timeLeft: null, endTime: null };
  const fields = await show(jobId);
  const end =
    fields.EndTime && /^\d{4}-/.test(fields.EndTime) && fields.TimeLimit !== "UNLIMITED" ? new Date(fields.EndTime) : null;
  return {
    node,
    jobId,
    endTime: end ? end.toISOString() : null,
    timeLeft: end ? elapsed(new Date().toISOString(), end.toISOString()) : null,
  };
}

/** One line: `node n1, Slurm job 12, 9:41 left`. */
export function placeLine(place: KernelPlace): string {
  if (place.jobId === null) return `this kernel runs on ${place.node}, outside any Slurm allocation`;
  return `this kernel runs on node ${place.node}, in Slurm job ${place.jobId}, ${place.timeLeft === null ? "no time limit" : `${place.timeLeft} left`}`;
}
