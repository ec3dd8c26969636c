/**
 * This machine's processes as /proc shows them, for test helpers that must find and end the
 * processes of a test cluster's jobs (which carry the cluster's SLURM_CONF in their environment).
 */
import { readdirSync, readFileSync } from "node:fs";

/** One process. */
export interface Proc {
  /** Its id. */
  pid: number;
  /** Its parent's id. */
  ppid: number;
  /** Its command line, arguments joined by spaces. */
  cmdline: string;
}

/** A file's text, or `fallback` if it cannot be read (a process may end while we look). */
export function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}

/** Every process visible now. */
export function processes(): Proc[] {
  const list: Proc[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readOr(`/proc/${entry}/stat`, "");
    // The command name in parentheses may itself hold spaces and parentheses: fields follow the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields.length < 2) continue;
    list.push({
      pid: Number(entry),
      ppid: Number(fields[1]),
      cmdline: readOr(`/proc/${entry}/cmdline`, "").replaceAll("\0", " "),
    });
  }
  return list;
}

/** The process's environment as `NAME=value` entries (empty if it is gone). */
export function environment(pid: number): string[] {
  return readOr(`/proc/${pid}/environ`, "").split("\0");
}

/** The processes of jobs of the Slurm cluster configured by `conf`: Slurm gives each job process the job's id and the configuration it was submitted with. */
export function jobProcesses(conf: string): number[] {
  return processes()
    .map((p) => p.pid)
    .filter((pid) => {
      const env = environment(pid);
      return pid !== process.pid && env.includes(`SLURM_CONF=${conf}`) && env.some((v) => v.startsWith("SLURM_JOB_ID="));
    });
}

/** Sends SIGKILL; false if the process was already gone. */
export function killProcess(pid: number): boolean {
  try {
    process.kill(pid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}
