import { join } from "node:path";

/** Where the local scheduler keeps a job's script and exit status, under the data directory. */
export function localJobDir(dataDir: string, jobId: number): string {
  return join(dataDir, "local-jobs", String(jobId));
}

/** The file the job's wrapper writes the script's exit status to. */
export function exitFile(dataDir: string, jobId: number): string {
  return join(localJobDir(dataDir, jobId), "exit-status");
}

/** The daemon's log, for when it cannot start a job. */
export function daemonLog(dataDir: string): string {
  return join(dataDir, "local-scheduler.log");
}
