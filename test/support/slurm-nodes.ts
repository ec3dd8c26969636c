/**
 * Losing and regaining a node of a Slurm test cluster (test/setup/slurm-cluster.ts), as a
 * machine failure would: the node's slurmd and every process of its job steps (slurmstepd, the
 * tasks and their children) die at once with SIGKILL, so Slurm finds out by itself that the node
 * stopped answering and marks it down.
 *
 * Kill nodes only in a cluster a test file starts for itself, with a short SlurmdTimeout
 * (`startSlurmCluster({ slurmdTimeout: 10 })`: down after about half a minute, not five): other
 * test files run jobs on the shared cluster of the global setup at the same time, and would lose
 * them.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";
import { promisify } from "node:util";
import { environment, killProcess, processes, readOr, type Proc } from "./processes.js";

const run = promisify(execFile);

/** slurm.conf's settings that locate one node's files, with `%n` and `%h` replaced. */
interface NodeFiles {
  pidFile: string;
  spoolDir: string;
  /** The node's log, which its slurmd and each of its slurmstepd hold open. */
  logFile: string;
}

function confValue(text: string, key: string, conf: string): string {
  const line = text.split("\n").find((l) => l.toLowerCase().startsWith(`${key.toLowerCase()}=`));
  if (line === undefined) throw new Error(`${conf} has no ${key}: not a test cluster's slurm.conf`);
  return line.slice(key.length + 1).trim();
}

function nodeFiles(conf: string, node: string): NodeFiles {
  if (!existsSync(conf)) throw new Error(`no slurm.conf at ${conf}`);
  const text = readFileSync(conf, "utf8");
  if (!new RegExp(`^NodeName=${node} `, "m").test(text)) throw new Error(`${conf} declares no node named ${node}`);
  const expand = (v: string): string => v.replaceAll("%n", node).replaceAll("%h", hostname());
  return {
    pidFile: expand(confValue(text, "SlurmdPidFile", conf)),
    spoolDir: expand(confValue(text, "SlurmdSpoolDir", conf)),
    logFile: expand(confValue(text, "SlurmdLogFile", conf)),
  };
}

function sharedConf(conf: string): void {
  if (conf === process.env.HPCFIT_TEST_SHARED_SLURM_CONF) {
    throw new Error(
      "refusing to kill a node of the shared test cluster: other test files run jobs on it; start a cluster of your own with startSlurmCluster()",
    );
  }
}

/** Inodes of the Unix sockets bound under `dir` (each slurmstepd listens on one in its node's spool directory). */
function socketInodesUnder(dir: string): Set<string> {
  const inodes = new Set<string>();
  for (const line of readOr("/proc/net/unix", "").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length >= 8 && fields[7].startsWith(`${dir}/`)) inodes.add(fields[6]);
  }
  return inodes;
}

/** What the process's open descriptors point to (`socket:[123]`, file paths); empty if it is gone. */
function descriptors(pid: number): string[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const targets: string[] = [];
  for (const fd of fds) {
    try {
      targets.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // The descriptor closed while we looked.
    }
  }
  return targets;
}

/**
 * Whether the process is a slurmstepd of the node: it holds a socket bound in the node's spool
 * directory (from when its step is set up) or the node's log open (from its first moments,
 * before it has a socket or its `slurmstepd: [job.step]` title).
 */
function isStepDaemonOf(p: Proc, inodes: Set<string>, logFile: string): boolean {
  if (!p.cmdline.includes("slurmstepd")) return false;
  return descriptors(p.pid).some((t) => t === logFile || inodes.has(/^socket:\[(\d+)\]$/.exec(t)?.[1] ?? ""));
}

/** Whether the process runs in a job step of `node` of the cluster configured by `conf` (Slurm sets both in a task's environment). */
function inStepOf(pid: number, node: string, conf: string): boolean {
  const env = environment(pid);
  return env.includes(`SLURMD_NODENAME=${node}`) && env.includes(`SLURM_CONF=${conf}`);
}

/**
 * The node's slurmstepd processes, every process in its job steps, the processes its slurmd has
 * forked (a step being launched), and all their descendants.
 */
function stepProcesses(node: string, conf: string, files: NodeFiles, slurmd: number | undefined): Set<number> {
  const all = processes();
  const inodes = socketInodesUnder(files.spoolDir);
  const roots = all.filter((p) => isStepDaemonOf(p, inodes, files.logFile) || inStepOf(p.pid, node, conf));
  const found = new Set(roots.map((p) => p.pid));
  if (slurmd !== undefined) found.add(slurmd);
  // Descendants, including those that cleared their environment.
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (!found.has(p.pid) && found.has(p.ppid)) {
        found.add(p.pid);
        grew = true;
      }
    }
  }
  if (slurmd !== undefined) found.delete(slurmd);
  found.delete(process.pid);
  return found;
}

/** Sends `signal` to every process of `pids`; those already gone are skipped. */
function signalAll(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone already.
    }
  }
}

/**
 * Kills `node`'s slurmd and every process of its job steps with SIGKILL; returns the pids it
 * killed. A node that fails takes all its processes at once, and so does this: a slurmstepd
 * that saw its task die before it died itself would tell slurmctld that the task was killed,
 * and Slurm would end the job FAILED rather than requeue it once the node is declared down. So
 * the slurmd is stopped first (it forks no step meanwhile, and a step it is launching is still
 * its descendant), every process found is stopped before any is killed, and the node is looked
 * over again until a look finds nothing new (a slurmstepd launched a moment before may have
 * left the slurmd's tree before it opened the node's log).
 */
export function killNode(node: string, conf: string): number[] {
  sharedConf(conf);
  const files = nodeFiles(conf, node);
  const pid = Number.parseInt(readOr(files.pidFile, ""), 10);
  const slurmd = Number.isInteger(pid) && pid > 0 && readOr(`/proc/${pid}/cmdline`, "").includes("slurmd") ? pid : undefined;
  if (slurmd !== undefined) signalAll([slurmd], "SIGSTOP");
  const killed: number[] = [];
  for (let quiet = 0, pass = 0; quiet < 3 && pass < 50; pass++) {
    const victims = [...stepProcesses(node, conf, files, slurmd)].filter((p) => !killed.includes(p));
    if (victims.length === 0) {
      quiet++;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      continue;
    }
    quiet = 0;
    signalAll(victims, "SIGSTOP");
    for (const victim of victims) if (killProcess(victim)) killed.push(victim);
  }
  if (slurmd !== undefined && killProcess(slurmd)) killed.unshift(slurmd);
  return killed;
}

/** Each node's state as `sinfo` reports it (`idle`, `mixed`, `allocated`, `down*`, `idle*`, ...). */
export async function nodeStates(conf: string): Promise<Map<string, string>> {
  const { stdout } = await run("sinfo", ["-h", "-N", "-o", "%N %T"], { env: { ...process.env, SLURM_CONF: conf } });
  return new Map(
    stdout
      .trim()
      .split("\n")
      .map((l) => l.split(" ") as [string, string]),
  );
}

/** Waits until `node`'s state matches `state`; throws with the last state seen after `timeoutMs`. */
export async function waitForNodeState(node: string, state: RegExp, conf: string, timeoutMs = 90_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = (await nodeStates(conf)).get(node) ?? "(not listed)";
    if (state.test(now)) return now;
    if (Date.now() > deadline) {
      const silence = /^SlurmdTimeout=(\d+)$/m.exec(readOr(conf, ""))?.[1] ?? "300 (Slurm's default)";
      throw new Error(
        `node ${node} is ${now}, not ${state}, after ${timeoutMs / 1000} s (the cluster's SlurmdTimeout is ${silence} s)`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Starts `node`'s slurmd again (it daemonizes) and waits until the node is idle: the cluster
 * returns a node that registers again to service by itself (ReturnToService=2).
 */
export async function reviveNode(node: string, conf: string, timeoutMs = 60_000): Promise<void> {
  nodeFiles(conf, node);
  await run("/usr/sbin/slurmd", ["-N", node], { env: { ...process.env, SLURM_CONF: conf } });
  await waitForNodeState(node, /^idle$/, conf, timeoutMs);
}
