/**
 * The Slurm allocation a kernel runs in: a batch job whose script runs the agent (agent.ts), which
 * holds the allocation while a proxy renews its lease, so that kernels can be started in it, one
 * after another, with `srun --jobid=... --overlap`. Submitted, watched and cancelled through the
 * jobs layer, so that the Jobs panel lists it like every job hpcfit submits.
 */
import { cancel, detectBackend, show, submit } from "../jobs/api.js";
import { runCommand } from "../jobs/command.js";
import { parseScontrolLine } from "../jobs/slurm-backend.js";
import { parseStateName } from "../jobs/states.js";
import { isTerminalState, type JobState } from "../schema/jobs.js";
import { shellQuote } from "../util/shell.js";
import { UserError } from "../util/user-error.js";
import type { KernelJobDirectory } from "./job-directory.js";
import type { SlurmKernelSettings } from "./settings.js";

/** The job name of a kernel's allocation (`squeue` shows it). */
export function allocationJobName(settings: SlurmKernelSettings): string {
  return `hpcfit-kernel-${settings.name}`;
}

/** An allocation as Slurm reports it at one moment. */
export interface AllocationStatus {
  jobId: string;
  state: JobState;
  /** Why it pends or why it ended (`Priority`, `Resources`, `TimeLimit`...), null for none. */
  reason: string | null;
  /** Its nodes (`n[1-2]`), null while it pends. */
  nodeList: string | null;
  /** When it will end (its start plus its time limit), null when unknown or unlimited. */
  endTime: Date | null;
  /** Its time limit in seconds, null when unlimited. */
  timeLimitSeconds: number | null;
  /** CPUs on each of its nodes (its CPUs over its nodes). */
  cpusPerNode: number;
}

/** Refuses to go on without Slurm: the kernel's allocation cannot be had from the local scheduler. */
export function requireSlurm(): void {
  if (detectBackend() !== "slurm")
    throw new UserError(
      "the Slurm kernel needs Slurm: sbatch is not on PATH or no Slurm configuration was found (SLURM_CONF, /etc/slurm)",
    );
}

/** The batch script: it runs the agent, which holds the allocation while a proxy renews the lease. */
export function allocationScript(dir: KernelJobDirectory, settings: SlurmKernelSettings, node: string, cli: string): string {
  const command = [node, cli, "slurm-kernel", "agent", "--dir", dir.dir, "--lease", String(settings.leaseSeconds)];
  return `#!/bin/sh\nexec ${command.map(shellQuote).join(" ")}\n`;
}

/** Submits the allocation; resolves with its job id. */
export async function submitAllocation(dir: KernelJobDirectory, settings: SlurmKernelSettings, cli: string): Promise<string> {
  const job = await submit({
    args: [...settings.sbatch, `--job-name=${allocationJobName(settings)}`, `--output=${dir.agentOutput}`],
    script: allocationScript(dir, settings, process.execPath, cli),
    cwd: dir.dir,
  });
  return job.id;
}

function slurmTime(text: string | undefined): number | null {
  if (!text || text === "UNLIMITED" || text === "INFINITE" || text === "NONE") return null;
  const m = /^(?:(\d+)-)?(\d+):(\d+):(\d+)$/.exec(text) ?? /^(?:(\d+)-)?()(\d+):(\d+)$/.exec(text);
  if (!m) return null;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] || 0) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

/** The allocation's state now; null when Slurm no longer knows the job. */
export async function allocationStatus(jobId: string): Promise<AllocationStatus | null> {
  let fields: Record<string, string>;
  try {
    fields = await show(jobId);
  } catch (error) {
    if (error instanceof UserError && /Invalid job id|no such job/i.test(error.message)) return null;
    throw error;
  }
  const state = parseStateName((fields.JobState ?? "").split(/\s/)[0]);
  const reason = fields.Reason && fields.Reason !== "None" ? fields.Reason : null;
  const end = fields.EndTime && /^\d{4}-/.test(fields.EndTime) ? new Date(fields.EndTime) : null;
  const nodes = Math.max(1, Number(fields.NumNodes?.split("-")[0]) || 1);
  return {
    jobId,
    state,
    reason,
    nodeList: fields.NodeList && fields.NodeList !== "(null)" && state !== "PENDING" ? fields.NodeList : null,
    endTime: state === "PENDING" ? null : end,
    timeLimitSeconds: slurmTime(fields.TimeLimit),
    cpusPerNode: Math.max(1, Math.floor((Number(fields.NumCPUs) || 1) / nodes)),
  };
}

/** A job still holding (or waiting for) its allocation. */
export function isLive(status: AllocationStatus | null): boolean {
  return status !== null && !isTerminalState(status.state) && status.state !== "COMPLETING";
}

/** How {@link waitUntilRunning} reports and gives up. */
export interface WaitForAllocation {
  /** Seconds to wait at most while it pends; then it is cancelled and the wait fails with Slurm's reason. */
  limitSeconds: number;
  /** Called with the first status, with each change of state or reason, and every `repeatSeconds` while it pends. */
  onStatus(status: AllocationStatus): void;
  /** Seconds between repeats of an unchanged pending status (default 30), for clients that connect later. */
  repeatSeconds?: number;
  /** Seconds between looks (default 1). */
  pollSeconds?: number;
}

/** One line saying where an allocation stands: `job 12: PENDING (Resources)`. */
export function statusLine(status: AllocationStatus): string {
  return `job ${status.jobId}: ${status.state}${status.reason ? ` (${status.reason})` : ""}`;
}

/** Waits until the allocation runs; fails (after cancelling it) when it ends or pends past the limit. */
export async function waitUntilRunning(jobId: string, wait: WaitForAllocation): Promise<AllocationStatus> {
  const deadline = Date.now() + wait.limitSeconds * 1000;
  let last = "";
  let said = 0;
  for (;;) {
    const status = await allocationStatus(jobId);
    if (status === null) throw new UserError(`the allocation (job ${jobId}) vanished before it started`);
    const line = statusLine(status);
    if (line !== last || Date.now() - said > (wait.repeatSeconds ?? 30) * 1000) {
      wait.onStatus(status);
      last = line;
      said = Date.now();
    }
    if (status.state === "RUNNING" && status.nodeList !== null) return status;
    if (!isLive(status)) throw new UserError(`the allocation ended before the kernel started: ${line}`);
    if (Date.now() > deadline) {
      await cancelAllocation(jobId);
      throw new UserError(
        `the allocation did not start within ${wait.limitSeconds} s: ${line}; cancelled it` +
          (status.reason ? ` (Slurm's reason: ${status.reason})` : ""),
      );
    }
    await new Promise((r) => setTimeout(r, (wait.pollSeconds ?? 1) * 1000));
  }
}

/** Cancels the allocation; one that has already ended is left as it is. */
export async function cancelAllocation(jobId: string): Promise<void> {
  await cancel([jobId]);
}

/** The first node of a node list (`n[2-3]` → `n2`). */
export async function firstNode(nodeList: string): Promise<string> {
  const { stdout } = await runCommand("scontrol", ["show", "hostnames", nodeList]);
  const first = stdout.split("\n").find((l) => l.trim() !== "");
  if (!first) throw new UserError(`scontrol could not expand the node list "${nodeList}"`);
  return first.trim();
}

/** The address Slurm reaches `node` at (its NodeAddr), where the node's kernel binds. */
export async function nodeAddress(node: string): Promise<string> {
  const { stdout } = await runCommand("scontrol", ["show", "node", "-o", node]);
  const fields = parseScontrolLine(stdout.split("\n")[0] ?? "");
  return fields.NodeAddr || fields.NodeHostName || node;
}
