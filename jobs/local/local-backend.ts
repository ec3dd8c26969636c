/**
 * The local backend: Slurm's semantics on this machine, for a laptop or a node without Slurm.
 * Submission validates and records the job (SQLite is the single source of truth); a detached
 * daemon (./daemon.ts), started on demand, runs the jobs, so they and their records survive the
 * kernel that submitted them.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, hostname, userInfo } from "node:os";
import { join, resolve } from "node:path";
import type { JobRow } from "../../schema/jobs.js";
import { compiledEntry, ensurePrivateDir, ensurePrivateFile, userDataDir, writePrivateFile } from "../../util/paths.js";
import { applyFilter, cancelOutcome, checkJobIds, matchesId } from "../job-ids.js";
import { submittedRow } from "../submitted-row.js";
import { checkBatchScript, directiveArgs, parseSbatchArgs, type SbatchOptions } from "../sbatch-options.js";
import { ACTIVE_STATES } from "../states.js";
import { JobStore, type LocalJobExtras } from "../store.js";
import type { CancelOutcome, JobFilter, JobsBackend, NodeInfo, PartitionInfo, SubmitRequest } from "../types.js";
import { daemonLog, localJobDir } from "./paths.js";
import { processAlive } from "../../util/process-alive.js";
import { releaseEnvironment, signalJob } from "./scheduler.js";
import { UserError } from "../../util/user-error.js";

/** The partition name local jobs report. */
export const LOCAL_PARTITION = "local";

/** The environment `--export` gives the job (sbatch's rules), and the names it asked for explicitly. */
function buildEnv(options: SbatchOptions, base: NodeJS.ProcessEnv): { env: Record<string, string>; exported: string[] } {
  const spec = options.export ?? "ALL";
  const parts = spec
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  const env: Record<string, string> = {};
  const exported = parts
    .filter((p) => p !== "ALL" && p !== "NONE")
    .map((p) => (p.includes("=") ? p.slice(0, p.indexOf("=")) : p));
  const all = parts.includes("ALL") || parts.length === 0;
  if (all)
    for (const [k, v] of Object.entries(base))
      if (v !== undefined) env[k] = v;
      else env.PATH = "/usr/local/bin:/usr/bin:/bin";
  for (const p of parts) {
    if (p === "ALL" || p === "NONE") continue;
    const eq = p.indexOf("=");
    if (eq > 0) env[p.slice(0, eq)] = p.slice(eq + 1);
    else if (base[p] !== undefined) env[p] = base[p]!;
  }
  // Variables a previous Slurm job left in this environment would lie about this one.
  for (const k of Object.keys(env)) if (k.startsWith("SLURM_")) delete env[k];
  return { env, exported };
}

/** Jobs run by hpcfit's own scheduler on this machine. */
export class LocalBackend implements JobsBackend {
  readonly kind = "local" as const;
  readonly cluster = `local@${hostname()}`;
  readonly totalCpus: number;
  private readonly dataDir: string;
  private readonly store: JobStore;

  constructor(options: { dataDir?: string; cpus?: number } = {}) {
    this.dataDir = options.dataDir ?? ensurePrivateDir(userDataDir());
    this.store = JobStore.open(this.dataDir);
    this.totalCpus = options.cpus ?? (Number(process.env.HPCFIT_LOCAL_CPUS) || availableParallelism());
  }

  async submit(request: SubmitRequest): Promise<JobRow[]> {
    const cwd = resolve(request.cwd ?? process.cwd());
    const cli = parseSbatchArgs(request.args);
    let script: string;
    if (request.script !== undefined) {
      if (cli.script !== undefined) throw new UserError(`a script was given twice: the cell and "${cli.script}"`);
      script = request.script;
    } else if (cli.options.wrap !== undefined) {
      if (cli.script !== undefined) throw new UserError(`--wrap and a script file "${cli.script}" cannot be used together`);
      script = `#!/bin/sh\n# This script was created by sbatch --wrap.\n\n${cli.options.wrap}\n`;
    } else {
      if (!cli.script)
        throw new UserError("no batch script: name a script file, use --wrap, or use %%sbatch with the script as the cell");
      const path = resolve(cwd, cli.script);
      if (!existsSync(path) || !statSync(path).isFile())
        throw new UserError(`batch script ${cli.script} not found (looked in ${cwd})`);
      script = readFileSync(path, "utf8");
    }
    checkBatchScript(script);
    const { options, scriptArgs } = parseSbatchArgs(request.args, parseSbatchArgs(directiveArgs(script)).options);
    const ntasks = options.ntasks ?? 1;
    const cpusPerTask = options.cpusPerTask ?? 1;
    const cpus = ntasks * cpusPerTask;
    if (cpus > this.totalCpus) {
      throw new UserError(
        `requested ${cpus} CPUs (ntasks ${ntasks} × cpus-per-task ${cpusPerTask}) but this machine has ${this.totalCpus}: the job could never run`,
      );
    }
    if (options.partition !== undefined && options.partition !== LOCAL_PARTITION) {
      throw new UserError(`invalid partition "${options.partition}" (the local backend has one partition, "${LOCAL_PARTITION}")`);
    }
    const directory = options.chdir ? resolve(cwd, options.chdir) : cwd;
    if (!existsSync(directory) || !statSync(directory).isDirectory())
      throw new UserError(`working directory ${directory} does not exist`);
    if (options.dependency) {
      for (const clause of options.dependency.clauses) {
        for (const id of clause.ids) {
          if (this.store.find("local", this.cluster, id).length === 0)
            throw new UserError(`job dependency problem: no job ${id}`);
        }
      }
    }
    const user = userInfo().username;
    const name = options.jobName ?? (cli.script ? cli.script.split("/").pop()! : options.wrap !== undefined ? "wrap" : "sbatch");
    const node = hostname();
    const tasks: (number | null)[] = options.array ? options.array.indices : [null];
    const { env: baseEnv, exported } = buildEnv(options, process.env);
    const submitTime = new Date().toISOString();

    const rows = this.store.transaction(() => {
      const first = this.store.nextIds(this.cluster, tasks.length);
      const jobDir = localJobDir(this.dataDir, first);
      mkdirSync(jobDir, { recursive: true, mode: 0o700 });
      const scriptPath = join(jobDir, "script");
      writeFileSync(scriptPath, script);
      chmodSync(scriptPath, 0o700);
      const environmentFile = join(jobDir, "environment");
      writePrivateFile(environmentFile, JSON.stringify(baseEnv));
      const out: { row: JobRow; script: string; local: LocalJobExtras }[] = tasks.map((task, k) => {
        const jobId = first + k;
        const arrayJobId = options.array ? first : null;
        mkdirSync(localJobDir(this.dataDir, jobId), { recursive: true, mode: 0o700 });
        const row = submittedRow(
          {
            jobId,
            arrayJobId,
            task,
            name,
            user,
            partition: LOCAL_PARTITION,
            submitTime,
            directory,
            node,
            backend: "local",
            origin: request.origin ?? null,
          },
          options,
        );
        const jobEnv: Record<string, string> = {
          SLURM_JOB_ID: String(jobId),
          SLURM_JOBID: String(jobId),
          SLURM_JOB_NAME: name,
          SLURM_JOB_USER: user,
          SLURM_JOB_UID: String(userInfo().uid),
          SLURM_SUBMIT_DIR: cwd,
          SLURM_SUBMIT_HOST: node,
          SLURM_JOB_NODELIST: node,
          SLURM_NODELIST: node,
          SLURM_JOB_NUM_NODES: "1",
          SLURM_NNODES: "1",
          SLURM_NTASKS: String(ntasks),
          SLURM_NPROCS: String(ntasks),
          SLURM_CPUS_ON_NODE: String(cpus),
          SLURM_JOB_CPUS_PER_NODE: String(cpus),
          SLURM_JOB_PARTITION: LOCAL_PARTITION,
          SLURM_CLUSTER_NAME: "local",
          SLURMD_NODENAME: node,
          SLURM_NODEID: "0",
          SLURM_PROCID: "0",
          SLURM_LOCALID: "0",
          ...(options.cpusPerTask !== undefined ? { SLURM_CPUS_PER_TASK: String(cpusPerTask) } : {}),
          ...(options.time ? { SLURM_TIMELIMIT: String(Math.ceil(options.time / 60)) } : {}),
          ...(arrayJobId !== null && task !== null
            ? {
                SLURM_ARRAY_JOB_ID: String(arrayJobId),
                SLURM_ARRAY_TASK_ID: String(task),
                SLURM_ARRAY_TASK_COUNT: String(tasks.length),
                SLURM_ARRAY_TASK_MIN: String(options.array!.indices[0]),
                SLURM_ARRAY_TASK_MAX: String(options.array!.indices[options.array!.indices.length - 1]),
              }
            : {}),
        };
        const local: LocalJobExtras = {
          scriptPath,
          scriptArgs,
          jobEnv,
          environmentFile,
          exported,
          dependency: options.dependencyText ?? null,
          arrayLimit: options.array?.limit ?? null,
          held: options.hold === true,
          pid: null,
          ntasks,
          cpusPerTask,
          killedAt: null,
          openMode: options.other["open-mode"] === "append" ? "append" : "truncate",
        };
        return { row, script, local };
      });
      this.store.put("local", this.cluster, out);
      return out.map((o) => o.row);
    });
    this.ensureDaemon();
    return rows;
  }

  /**
   * Wakes the daemon, or starts one when none is alive. Safe to call often and from several
   * processes: a second daemon sees the first's heartbeat and leaves.
   */
  ensureDaemon(): void {
    const row = this.store.db.prepare(`SELECT pid, heartbeat FROM daemon WHERE name = ?`).get(this.cluster) as
      { pid: number; heartbeat: number } | undefined;
    if (row && processAlive(row.pid) && Date.now() - row.heartbeat < 5000) {
      try {
        process.kill(row.pid, "SIGUSR2");
        return;
      } catch {
        // Gone between the check and the signal: start a new one.
      }
    }
    const logFd = openSync(ensurePrivateFile(daemonLog(this.dataDir)), "a");
    const child = spawn(
      process.execPath,
      [compiledEntry("jobs/local/daemon.js"), this.dataDir, this.cluster, String(this.totalCpus)],
      {
        detached: true,
        stdio: ["ignore", logFd, logFd],
        env: { ...process.env },
      },
    );
    child.unref();
  }

  async list(filter: JobFilter = {}): Promise<JobRow[]> {
    const rows = this.store.all("local", this.cluster).map((s) => s.row);
    // A kernel that finds active jobs but no daemon (killed, machine rebooted) brings it back.
    if (rows.some((r) => r.state === "PENDING" || r.state === "RUNNING")) this.ensureDaemon();
    return applyFilter(rows, filter);
  }

  private resolveIds(ids: string[]): { row: JobRow; local: LocalJobExtras }[] {
    const checked = checkJobIds(ids);
    const found = checked.map((id) => ({ id, jobs: this.store.find("local", this.cluster, id) }));
    const unknown = found.filter((f) => f.jobs.length === 0).map((f) => f.id);
    if (unknown.length > 0) throw new UserError(`no such job: ${unknown.join(", ")}`);
    return found.flatMap((f) => f.jobs.map((j) => ({ row: j.row, local: j.local! })));
  }

  async cancel(ids: string[]): Promise<CancelOutcome[]> {
    this.resolveIds(ids);
    const outcomes = this.store.transaction(() => {
      const jobs = this.resolveIds(ids);
      const rows = jobs.map((j) => j.row);
      const result = checkJobIds(ids).map((id) => cancelOutcome(id, rows));
      for (const { row, local } of jobs) {
        if (!ACTIVE_STATES.includes(row.state)) continue;
        const now = Date.now();
        const next: JobRow = { ...row, state: "CANCELLED", reason: null, endTime: new Date(now).toISOString() };
        const extras = { ...local };
        if (local.pid !== null) {
          signalJob(local.pid, "SIGTERM");
          extras.killedAt = now;
        }
        this.store.update("local", this.cluster, next, extras);
        releaseEnvironment(this.store, this.cluster, local.environmentFile);
      }
      return result;
    });
    this.ensureDaemon();
    return outcomes;
  }

  private setHeld(ids: string[], held: boolean): void {
    this.store.transaction(() => {
      const jobs = this.resolveIds(ids);
      const notPending = jobs.find((j) => j.row.state !== "PENDING");
      if (held && notPending)
        throw new UserError(`job ${notPending.row.id} is ${notPending.row.state}: only pending jobs can be held`);
      for (const { row, local } of jobs) {
        if (row.state !== "PENDING") continue;
        this.store.update("local", this.cluster, { ...row, reason: held ? "JobHeldUser" : null }, { ...local, held });
      }
    });
    this.ensureDaemon();
  }

  async hold(ids: string[]): Promise<void> {
    this.setHeld(ids, true);
  }

  async release(ids: string[]): Promise<void> {
    this.setHeld(ids, false);
  }

  async show(id: string): Promise<Record<string, string>> {
    const [job] = this.resolveIds([id]);
    const r = job.row;
    return {
      JobId: String(r.jobId),
      ...(r.arrayJobId !== null ? { ArrayJobId: String(r.arrayJobId), ArrayTaskId: String(r.arrayTaskId) } : {}),
      JobName: r.name,
      UserId: r.user,
      JobState: r.state,
      Reason: r.reason ?? "None",
      Dependency: job.local.dependency ?? "(null)",
      ExitCode: `${r.exitCode ?? 0}:${r.signal ?? 0}`,
      SubmitTime: r.submitTime ?? "Unknown",
      StartTime: r.startTime ?? "Unknown",
      EndTime: r.endTime ?? "Unknown",
      TimeLimit: r.timeLimit === null ? "UNLIMITED" : `${r.timeLimit}s`,
      Partition: r.partition ?? "",
      NodeList: r.nodes ?? "(null)",
      NumCPUs: String(r.cpus),
      NumTasks: String(job.local.ntasks),
      CPUs_Task: String(job.local.cpusPerTask),
      WorkDir: r.directory,
      StdOut: r.stdout ?? "",
      StdErr: r.stderr ?? "",
      Command: job.local.scriptPath,
    };
  }

  async accounting(filter: JobFilter = {}): Promise<{ source: "records"; jobs: JobRow[] }> {
    return { source: "records", jobs: await this.list({ states: "all", ...filter }) };
  }

  async partitions(): Promise<PartitionInfo[]> {
    const used = (await this.list({ states: ["RUNNING"] })).reduce((s, r) => s + r.cpus, 0);
    return [
      {
        name: LOCAL_PARTITION,
        default: true,
        available: true,
        timeLimit: null,
        nodes: 1,
        cpusAllocated: used,
        cpusIdle: this.totalCpus - used,
        cpusTotal: this.totalCpus,
      },
    ];
  }

  async nodes(): Promise<NodeInfo[]> {
    const used = (await this.list({ states: ["RUNNING"] })).reduce((s, r) => s + r.cpus, 0);
    const state = used === 0 ? "idle" : used >= this.totalCpus ? "allocated" : "mixed";
    return [{ name: hostname(), state, cpus: this.totalCpus, cpusAllocated: used, partitions: [LOCAL_PARTITION] }];
  }

  async forget(ids: string[]): Promise<number> {
    const jobs = this.resolveIds(ids);
    const active = jobs.find((j) => ACTIVE_STATES.includes(j.row.state));
    if (active) throw new UserError(`job ${active.row.id} has not ended; cancel it before forgetting it`);
    return this.store.remove(
      "local",
      this.cluster,
      jobs.map((j) => j.row.id),
    );
  }

  /** True when `id` names a job this backend knows. */
  knows(id: string): boolean {
    return this.store.all("local", this.cluster).some((s) => matchesId(s.row, id));
  }
}
