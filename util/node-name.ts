/**
 * The name of the node a process runs on, as recorded on queue tasks, fit workers and notebook
 * runs.
 */
import { hostname } from "node:os";

/**
 * Slurm's name for this node inside a job (`SLURMD_NODENAME`: several nodes may share one host
 * name, as on a test cluster), else the host name.
 */
export function nodeName(env: NodeJS.ProcessEnv = process.env): string {
  return env.SLURMD_NODENAME || hostname();
}
