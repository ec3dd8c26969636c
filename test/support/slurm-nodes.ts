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
import { environment, killProcess, processes, readOr } from "./processes.js";

const run = promisify(execFile);

/** slurm.conf's settings that locate one node's files, with `%n` and `%h` replaced. */
interface NodeFiles {
  pidFile: string;
  spoolDir: string;
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
  return { pidFile: expand(confValue(text, "SlurmdPidFile", conf)), spoolDir: expand(confValue(text, "SlurmdSpoolDir", conf)) };
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

function holdsSocket(pid: number, inodes: Set<string>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && inodes.has(m[1])) return true;
    } catch {
      // The descriptor closed while we looked.
    }
  }
  return false;
}

/** Whether the process runs in a job step of `node` of the cluster configured by `conf` (Slurm sets both in a task's environment). */
function inStepOf(pid: number, node: string, conf: string): boolean {
  const env = environment(pid);
  return env.includes(`SLURMD_NODENAME=${node}`) && env.includes(`SLURM_CONF=${conf}`);
}

/** The node's slurmstepd processes, every process in its job steps, and all their descendants. */
function stepProcesses(node: string, conf: string, spoolDir: string): Set<number> {
  const all = processes();
  const inodes = socketInodesUnder(spoolDir);
  const roots = all.filter(
    (p) => (p.cmdline.startsWith("slurmstepd:") && holdsSocket(p.pid, inodes)) || inStepOf(p.pid, node, conf),
  );
  const found = new Set(roots.map((p) => p.pid));
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
  found.delete(process.pid);
  return found;
}

/**
 * Kills `node`'s slurmd and every process of its job steps with SIGKILL; returns the pids it
 * killed. The slurmd goes first, so that no new step starts while the rest is found.
 */
export function killNode(node: string, conf: string): number[] {
  sharedConf(conf);
  const files = nodeFiles(conf, node);
  const killed: number[] = [];
  const slurmd = Number.parseInt(readOr(files.pidFile, ""), 10);
  if (Number.isInteger(slurmd) && slurmd > 0 && readOr(`/proc/${slurmd}/cmdline`, "").includes("slurmd") && killProcess(slurmd))
    killed.push(slurmd);
  // A step being set up when its slurmd died may still fork: look again until nothing is left.
  for (let pass = 0; pass < 5; pass++) {
    const victims = [...stepProcesses(node, conf, files.spoolDir)].filter((pid) => !killed.includes(pid));
    if (victims.length === 0) break;
    for (const pid of victims) if (killProcess(pid)) killed.push(pid);
  }
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
