/**
 * A private single-node Slurm cluster for tests: munged with its own key and socket, slurmctld
 * and slurmd with their own slurm.conf, state, spool, pid and log files, all under one temporary
 * directory, on free loopback ports. Nothing in /etc is read or changed: every Slurm command
 * finds the cluster through `SLURM_CONF`, and Slurm finds munge through `AuthInfo=socket=...`.
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { freePort } from "../../notebooks/kernel-connection.js";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A running test cluster. */
export interface SlurmCluster {
  /** The temporary directory holding everything the cluster writes. */
  readonly dir: string;
  /** Environment a client needs: `SLURM_CONF`. */
  readonly env: { SLURM_CONF: string };
  /** The node's name (this machine's host name). */
  readonly nodeName: string;
  /** Cancels every job, stops slurmd, slurmctld and munged, and removes the directory. */
  stop(): Promise<void>;
}

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

async function waitFor(what: string, test: () => boolean | Promise<boolean>, timeoutMs: number, explain: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await test()) return;
    if (Date.now() > deadline) throw new Error(`Slurm test cluster: ${what} within ${timeoutMs / 1000} s.\n${explain()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Writes the configuration and starts munged, slurmctld and slurmd; resolves once the node is idle. */
export async function startSlurmCluster(): Promise<SlurmCluster> {
  for (const [name, path] of Object.entries(DAEMONS)) {
    if (!existsSync(path)) {
      throw new Error(`Slurm test cluster: ${path} is missing; install Debian's slurm-wlm and munge (npm test's setup does, as root).`);
    }
    void name;
  }
  if (process.getuid?.() !== 0) throw new Error("Slurm test cluster: must run as root (slurmd starts jobs as their users).");

  const dir = mkdtempSync(join(tmpdir(), "hpcfit-slurm-"));
  chmodSync(dir, 0o755);
  const mungeDir = join(dir, "munge");
  mkdirSync(mungeDir, { mode: 0o700 });
  for (const sub of ["state", "spool", "log"]) mkdirSync(join(dir, sub));
  const key = join(mungeDir, "munge.key");
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const socket = join(mungeDir, "munge.socket");
  const mungePid = join(mungeDir, "munged.pid");

  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  const node = hostname();
  const conf = join(dir, "slurm.conf");
  writeFileSync(
    conf,
    [
      "ClusterName=hpcfittest",
      `SlurmctldHost=${node}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      "SlurmUser=root",
      "SlurmdUser=root",
      "AuthType=auth/munge",
      `AuthInfo=socket=${socket}`,
      "CredType=cred/munge",
      `StateSaveLocation=${join(dir, "state")}`,
      `SlurmdSpoolDir=${join(dir, "spool")}`,
      `SlurmctldPidFile=${join(dir, "slurmctld.pid")}`,
      `SlurmdPidFile=${join(dir, "slurmd.pid")}`,
      `SlurmctldLogFile=${join(dir, "log", "slurmctld.log")}`,
      `SlurmdLogFile=${join(dir, "log", "slurmd.log")}`,
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_CPU",
      "SchedulerType=sched/backfill",
      // Schedule right after a submission or a job's end, so tests see state changes quickly.
      "SchedulerParameters=sched_min_interval=0,defer_batch=0",
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
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN`,
      `PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      "",
    ].join("\n"),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const explain = (): string =>
    [`munged.log:\n${tail(join(mungeDir, "munged.log"))}`, `slurmctld.log:\n${tail(join(dir, "log", "slurmctld.log"))}`, `slurmd.log:\n${tail(join(dir, "log", "slurmd.log"))}`].join("\n");

  const cluster: SlurmCluster = {
    dir,
    env: { SLURM_CONF: conf },
    nodeName: node,
    async stop() {
      // Cancel jobs first so that no batch script outlives the cluster.
      spawnSync("scancel", ["--full", "--user", "root"], { env, timeout: 10_000 });
      spawnSync("scontrol", ["shutdown"], { env, timeout: 10_000 });
      const pids = [pidFrom(join(dir, "slurmd.pid")), pidFrom(join(dir, "slurmctld.pid"))].filter((p): p is number => p !== undefined);
      const deadline = Date.now() + 5000;
      while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
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
    await run(DAEMONS.slurmd, ["-N", node], { env });
    await waitFor(
      "the node did not become idle",
      async () => {
        const r = await run("sinfo", ["-h", "-N", "-o", "%T"], { env }).catch(() => ({ stdout: "" }));
        return r.stdout.trim() === "idle";
      },
      60_000,
      explain,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await cluster.stop().catch(() => undefined);
    throw new Error(message.includes("Slurm test cluster") ? message : `Slurm test cluster failed to start: ${message}\n${explain()}`);
  }
  startWatchdog(dir, [pidFrom(join(dir, "slurmd.pid")), pidFrom(join(dir, "slurmctld.pid")), pidFrom(mungePid)]);
  return cluster;
}

/**
 * If the test runner dies without its teardown (killed by a timeout, Ctrl-C twice), a detached
 * watchdog stops the cluster's daemons and removes its directory, so no cluster outlives its run.
 */
function startWatchdog(dir: string, pids: (number | undefined)[]): void {
  const list = pids.filter((p): p is number => p !== undefined).join(" ");
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; [ -d "$0" ] || exit 0; kill ${list} 2>/dev/null; sleep 3; kill -9 ${list} 2>/dev/null; rm -rf "$0"`;
  const child = spawn("/bin/sh", ["-c", script, dir], { detached: true, stdio: "ignore" });
  child.unref();
}
