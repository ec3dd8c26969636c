/**
 * A private multi-node Slurm cluster for tests, on this one machine: munged with its own key and
 * socket, slurmctld, and one slurmd per node (`slurmd -N nK`, each on its own loopback port),
 * with their own slurm.conf, state, spool, pid and log files, all under one temporary directory.
 * Nothing in /etc is read or changed: every Slurm command finds the cluster through `SLURM_CONF`,
 * and Slurm finds munge through `AuthInfo=socket=...`.
 *
 * The nodes declare the CPUs they are given, however many this machine has
 * (`SlurmdParameters=config_overrides`), so that tests can spread work over nodes and CPUs that
 * share two cores.
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { freePorts } from "../../util/free-port.js";
import { jobProcesses, killProcess } from "../support/processes.js";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The shape of a test cluster. */
export interface SlurmClusterOptions {
  /** How many nodes (named n1, n2, ...); 4 unless given. */
  nodes?: number;
  /** CPUs each node declares; 4 unless given. */
  cpusPerNode?: number;
  /**
   * Seconds a node may stay silent before slurmctld marks it down (SlurmdTimeout). Slurm's own
   * 300 unless given: on a busy shared machine a short one could take a live node for lost and
   * fail the jobs of other tests. A test that kills nodes starts its own cluster with a short one
   * (10 s: Slurm notices a lost node after about half a minute).
   */
  slurmdTimeout?: number;
}

/** A running test cluster. */
export interface SlurmCluster {
  /** The temporary directory holding everything the cluster writes. */
  readonly dir: string;
  /** Environment a client needs: `SLURM_CONF`. */
  readonly env: { SLURM_CONF: string };
  /** The nodes' names, in order: n1, n2, ... */
  readonly nodeNames: readonly string[];
  /** CPUs each node declares. */
  readonly cpusPerNode: number;
  /** The one partition, holding every node; jobs go to it unless they name another. */
  readonly partition: string;
  /** Cancels every job, stops every slurmd, slurmctld and munged, and removes the directory. */
  stop(): Promise<void>;
}

/** The test cluster's partition. */
export const PARTITION = "debug";

const DAEMONS = { munged: "/usr/sbin/munged", slurmctld: "/usr/sbin/slurmctld", slurmd: "/usr/sbin/slurmd" };

function tail(path: string, lines = 15): string {
  if (!existsSync(path)) return `(no ${path})`;
  return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

function pidFrom(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const pid = Number.parseInt(readFileSync(path, "utf8"), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(
  what: string,
  test: () => boolean | Promise<boolean>,
  timeoutMs: number,
  explain: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await test()) return;
    if (Date.now() > deadline) throw new Error(`Slurm test cluster: ${what} within ${timeoutMs / 1000} s.\n${explain()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`Slurm test cluster: ${name} must be a positive integer, not ${value}.`);
  return value;
}

/**
 * Writes the configuration and starts munged, slurmctld and one slurmd per node; resolves once
 * every node is idle.
 */
export async function startSlurmCluster(options: SlurmClusterOptions = {}): Promise<SlurmCluster> {
  const nodeCount = positiveInteger("nodes", options.nodes ?? 4);
  const cpusPerNode = positiveInteger("cpusPerNode", options.cpusPerNode ?? 4);
  const slurmdTimeout = positiveInteger("slurmdTimeout", options.slurmdTimeout ?? 300);
  for (const path of Object.values(DAEMONS)) {
    if (!existsSync(path)) {
      throw new Error(
        `Slurm test cluster: ${path} is missing; install Debian's slurm-wlm and munge (npm test's setup does, as root).`,
      );
    }
  }
  if (process.getuid?.() !== 0) throw new Error("Slurm test cluster: must run as root (slurmd starts jobs as their users).");

  const dir = mkdtempSync(join(tmpdir(), "hpcfit-slurm-"));
  chmodSync(dir, 0o755);
  const mungeDir = join(dir, "munge");
  mkdirSync(mungeDir, { mode: 0o700 });
  for (const sub of ["state", "spool", "log", "run"]) mkdirSync(join(dir, sub));
  const key = join(mungeDir, "munge.key");
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const socket = join(mungeDir, "munge.socket");
  const mungePid = join(mungeDir, "munged.pid");

  const nodeNames = Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`);
  // slurmd checks its spool directory (where its steps' sockets go) before it would create it.
  for (const node of nodeNames) mkdirSync(join(dir, "spool", node));
  const [ctldPort, ...nodePorts] = await freePorts(nodeCount + 1);
  const controller = hostname();
  const conf = join(dir, "slurm.conf");
  const runDir = join(dir, "run");
  const slurmdLog = (node: string): string => join(dir, "log", `slurmd-${node}.log`);
  writeFileSync(
    conf,
    [
      "ClusterName=hpcfittest",
      `SlurmctldHost=${controller}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      "SlurmUser=root",
      "SlurmdUser=root",
      "AuthType=auth/munge",
      // A requeued job may start again only once the credentials of its last launch expire
      // (cred_expire, 120 s by default): 30 s keeps a node-loss test from idling two minutes and
      // still leaves a loaded machine ample time to launch a step.
      `AuthInfo=socket=${socket},cred_expire=30`,
      "CredType=cred/munge",
      `StateSaveLocation=${join(dir, "state")}`,
      // Several slurmd on one machine: %n gives each node its own spool, pid and log file.
      `SlurmdSpoolDir=${join(dir, "spool", "%n")}`,
      `SlurmctldPidFile=${join(runDir, "slurmctld.pid")}`,
      `SlurmdPidFile=${join(runDir, "slurmd-%n.pid")}`,
      `SlurmctldLogFile=${join(dir, "log", "slurmctld.log")}`,
      `SlurmdLogFile=${join(dir, "log", "slurmd-%n.log")}`,
      // Nodes are what slurm.conf says, not what this machine has (more CPUs than its cores).
      "SlurmdParameters=config_overrides",
      `SlurmdTimeout=${slurmdTimeout}`,
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_CPU",
      "SchedulerType=sched/backfill",
      // Schedule right after a submission or a job's end, so tests see state changes quickly.
      "SchedulerParameters=sched_min_interval=0,defer_batch=0",
      // A node that registers again after being lost returns to service by itself.
      "ReturnToService=2",
      "MpiDefault=none",
      "AccountingStorageType=accounting_storage/none",
      "JobAcctGatherType=jobacct_gather/none",
      "JobCompType=jobcomp/none",
      // A job hitting its limit is killed at once (TIMEOUT), not after the default grace minutes.
      "OverTimeLimit=0",
      "KillWait=2",
      // Finished jobs stay visible to squeue for 10 minutes (there is no accounting database).
      "MinJobAge=600",
      "MaxJobCount=50000",
      "MaxArraySize=10001",
      ...nodeNames.map(
        (node, i) =>
          `NodeName=${node} NodeHostname=localhost NodeAddr=127.0.0.1 Port=${nodePorts[i]} CPUs=${cpusPerNode} State=UNKNOWN`,
      ),
      `PartitionName=${PARTITION} Nodes=${nodeNames.join(",")} Default=YES MaxTime=INFINITE State=UP`,
      "",
    ].join("\n"),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const explain = (): string =>
    [
      `munged.log:\n${tail(join(mungeDir, "munged.log"))}`,
      `slurmctld.log:\n${tail(join(dir, "log", "slurmctld.log"))}`,
      ...nodeNames.map((node) => `slurmd-${node}.log:\n${tail(slurmdLog(node), 5)}`),
    ].join("\n");
  // Read when stopping, not now: a test may have restarted a node's slurmd since.
  const daemonPids = (): number[] =>
    (existsSync(runDir) ? readdirSync(runDir) : [])
      .filter((f) => f.endsWith(".pid"))
      .map((f) => pidFrom(join(runDir, f)))
      .filter((p): p is number => p !== undefined);

  const cluster: SlurmCluster = {
    dir,
    env: { SLURM_CONF: conf },
    nodeNames,
    cpusPerNode,
    partition: PARTITION,
    async stop() {
      // Cancel jobs first so that no batch script outlives the cluster, and give their steps
      // KillWait to end them before the daemons go.
      spawnSync("scancel", ["--full", "--user", "root"], { env, timeout: 10_000 });
      const settled = Date.now() + 5000;
      while (Date.now() < settled) {
        const r = spawnSync("squeue", ["-h", "-t", "PD,R,CG,CF,S", "-o", "%i"], { env, timeout: 10_000, encoding: "utf8" });
        if (r.status !== 0 || r.stdout.trim() === "") break;
        await new Promise((r) => setTimeout(r, 200));
      }
      spawnSync("scontrol", ["shutdown"], { env, timeout: 10_000 });
      const pids = daemonPids();
      const deadline = Date.now() + 5000;
      while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
      // Whatever a job left behind (a step on a node that was killed, a process that left its
      // step's process tree) ends with the cluster.
      for (const pid of jobProcesses(conf)) killProcess(pid);
      const munged = pidFrom(mungePid);
      if (munged !== undefined && alive(munged)) {
        process.kill(munged, "SIGTERM");
        // munged removes its socket and pid file as it leaves; let it finish before the directory goes.
        const end = Date.now() + 5000;
        while (alive(munged) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      }
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };

  try {
    await run(DAEMONS.munged, [
      "--force",
      `--socket=${socket}`,
      `--key-file=${key}`,
      `--log-file=${join(mungeDir, "munged.log")}`,
      `--pid-file=${mungePid}`,
      `--seed-file=${join(mungeDir, "munged.seed")}`,
    ]);
    await waitFor("munged did not create its socket", () => existsSync(socket), 10_000, explain);
    await run(DAEMONS.slurmctld, ["-i"], { env });
    await Promise.all(nodeNames.map((node) => run(DAEMONS.slurmd, ["-N", node], { env })));
    await waitFor(
      `the ${nodeCount} nodes did not all become idle`,
      async () => {
        const r = await run("sinfo", ["-h", "-N", "-o", "%N %T"], { env }).catch(() => ({ stdout: "" }));
        const idle = new Set(
          r.stdout
            .trim()
            .split("\n")
            .filter((l) => l.endsWith(" idle"))
            .map((l) => l.split(" ")[0]),
        );
        return nodeNames.every((n) => idle.has(n));
      },
      60_000,
      explain,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await cluster.stop().catch(() => undefined);
    throw new Error(
      message.includes("Slurm test cluster") ? message : `Slurm test cluster failed to start: ${message}\n${explain()}`,
      { cause: error },
    );
  }
  startWatchdog(dir, runDir, mungePid);
  return cluster;
}

/**
 * If the test runner dies without its teardown (killed by a timeout, Ctrl-C twice), a detached
 * watchdog stops the cluster's daemons and removes its directory, so no cluster outlives its run.
 * It reads the pid files when it acts, so a node's slurmd restarted by a test is stopped too.
 */
function startWatchdog(dir: string, runDir: string, mungePid: string): void {
  const pids = `$(cat "${runDir}"/*.pid "${mungePid}" 2>/dev/null)`;
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; [ -d "$0" ] || exit 0; p="${pids}"; kill $p 2>/dev/null; sleep 3; kill -9 $p 2>/dev/null; rm -rf "$0"`;
  const child = spawn("/bin/sh", ["-c", script, dir], { detached: true, stdio: "ignore" });
  child.unref();
}
