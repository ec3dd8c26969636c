/**
 * The Slurm backend: drives the real scheduler through its commands (`sbatch --parsable`,
 * `squeue`, `scancel`, `scontrol`, `sinfo`, `sacct`), always with argument arrays, and keeps
 * hpcfit's record of every job it submits.
 */
import { existsSync, readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { basename, resolve } from "node:path";
import { isTerminalState, type JobRow } from "../schema/jobs.js";
import { runCommand } from "./command.js";
import { VANISHED_REASON } from "./states.js";
import { applyFilter, cancelOutcome, checkJobIds, matchesId } from "./job-ids.js";
import { checkBatchScript, directiveArgs, parseSbatchArgs, parseTimeLimit, type SbatchOptions } from "./sbatch-options.js";
import { parseSqueueJson } from "./slurm-json.js";
import { submittedRow } from "./submitted-row.js";
import { parseSqueueFields, SQUEUE_FIELDS_ENV, squeueFieldArgs } from "./squeue-fields.js";
import { JobStore } from "./store.js";
import type { CancelOutcome, JobFilter, JobsBackend, NodeInfo, PartitionInfo, SubmitRequest } from "./types.js";
import { UserError } from "../util/user-error.js";

/** The Slurm configuration file the commands will read, if one can be found. */
export function slurmConfPath(): string | undefined {
  const candidates = [process.env.SLURM_CONF, "/etc/slurm/slurm.conf", "/etc/slurm-llnl/slurm.conf"];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

function clusterName(): string {
  const conf = slurmConfPath();
  if (!conf) return "slurm";
  const m = /^\s*ClusterName\s*=\s*(\S+)/im.exec(readFileSync(conf, "utf8"));
  // The conf path is part of the key: two test clusters both named alike restart ids at 1.
  return `${m?.[1] ?? "slurm"}@${conf}`;
}

/** Parses `scontrol show -o` output (`Key=Value Key=Value ...`, values may hold spaces). */
export function parseScontrolLine(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  const parts = line.trim().split(/\s+(?=[A-Za-z][A-Za-z0-9_:/]*=)/);
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** The rows of a job sbatch has just accepted, as Slurm will report them while it pends. */
function submittedRows(
  jobId: number,
  options: SbatchOptions,
  script: string | undefined,
  cwd: string,
  origin: string | null,
): JobRow[] {
  const user = userInfo().username;
  const name = options.jobName ?? (options.wrap !== undefined ? "wrap" : script ? basename(script) : "sbatch");
  const directory = options.chdir ? resolve(cwd, options.chdir) : cwd;
  const tasks: (number | null)[] = options.array ? options.array.indices : [null];
  const arrayJobId = options.array ? jobId : null;
  const now = new Date().toISOString();
  return tasks.map((task) =>
    submittedRow(
      {
        jobId,
        arrayJobId,
        task,
        name,
        user,
        partition: options.partition ?? null,
        submitTime: now,
        directory,
        node: "",
        backend: "slurm",
        origin,
      },
      options,
    ),
  );
}

/** How {@link SlurmBackend} reads the queue. */
export interface SlurmListingOptions {
  /**
   * `"fields"` (the default): squeue's delimited fields, restricted by Slurm to the user asked
   * for, with `--json` only for a job whose fields cannot be split with certainty. `"json"`: the
   * whole queue through `squeue --json`, filtered here (what Slurm 22.05's `--json` forces).
   */
  listing?: "fields" | "json";
}

/** Jobs on a real Slurm cluster. */
export class SlurmBackend implements JobsBackend {
  readonly kind = "slurm" as const;
  private readonly cluster = clusterName();
  private readonly listing: "fields" | "json";

  constructor(
    private readonly store: JobStore = JobStore.open(),
    options: SlurmListingOptions = {},
  ) {
    this.listing = options.listing ?? "fields";
  }

  /** The live jobs of `user` (everyone's when undefined), finished ones Slurm still holds included. */
  private async squeue(user: string | undefined): Promise<JobRow[]> {
    if (this.listing === "json") {
      const { stdout } = await runCommand("squeue", ["--json"]);
      return parseSqueueJson(stdout).filter((r) => user === undefined || r.user === user);
    }
    const args = ["-t", "all", ...(user === undefined ? [] : ["-u", user]), ...squeueFieldArgs()];
    const { stdout } = await runCommand("squeue", args, { env: { ...process.env, ...SQUEUE_FIELDS_ENV } });
    const { rows, unclear } = parseSqueueFields(stdout);
    if (unclear.length === 0) return rows;
    // A name or path holding the field separator: only JSON tells its fields apart.
    const wanted = new Set(unclear);
    const { stdout: json } = await runCommand("squeue", ["--json"]);
    return [...rows, ...parseSqueueJson(json).filter((r) => wanted.has(r.jobId))];
  }

  async submit(request: SubmitRequest): Promise<JobRow[]> {
    const cwd = resolve(request.cwd ?? process.cwd());
    let scriptText = request.script;
    // Check everything sbatch would refuse before anything reaches the scheduler.
    let parsed = parseSbatchArgs(request.args);
    if (scriptText === undefined && parsed.options.wrap === undefined) {
      if (!parsed.script)
        throw new UserError("no batch script: name a script file, use --wrap, or use %%sbatch with the script as the cell");
      const path = resolve(cwd, parsed.script);
      if (!existsSync(path)) throw new UserError(`batch script ${parsed.script} not found (looked in ${cwd})`);
      scriptText = readFileSync(path, "utf8");
    } else if (scriptText !== undefined && parsed.script !== undefined) {
      throw new UserError(`a script was given twice: the cell and "${parsed.script}"`);
    }
    if (scriptText !== undefined) {
      checkBatchScript(scriptText);
      parsed = parseSbatchArgs(request.args, parseSbatchArgs(directiveArgs(scriptText)).options);
    }
    const args = ["--parsable", ...request.args];
    const { stdout } = await runCommand("sbatch", args, { input: request.script, cwd });
    const id = stdout.trim().split(";")[0];
    if (!/^\d+$/.test(id)) throw new UserError(`sbatch answered "${stdout.trim()}", not a job id`);
    // The first record comes from the options sbatch has just accepted (one command per
    // submission, however long the queue); squeue's view replaces it at the next listing.
    const rows = submittedRows(Number(id), parsed.options, parsed.script, cwd, request.origin ?? null);
    this.store.put(
      "slurm",
      this.cluster,
      rows.map((row) => ({ row, script: scriptText ?? `#!/bin/sh\n${parsed.options.wrap ?? ""}\n` })),
    );
    return rows;
  }

  async list(filter: JobFilter = {}): Promise<JobRow[]> {
    const recorded = this.store.all("slurm", this.cluster).map((s) => s.row);
    // squeue knows nothing of where hpcfit submitted a job from: the record keeps it.
    const origins = new Map(recorded.filter((r) => r.origin != null).map((r) => [r.id, r.origin]));
    const live = (await this.squeue(filter.user)).map((r) => (origins.has(r.id) ? { ...r, origin: origins.get(r.id) } : r));
    this.store.refresh("slurm", this.cluster, live);
    let rows = live;
    if (filter.recordedOnly) {
      const known = new Set(recorded.map((r) => r.id));
      rows = live.filter((r) => known.has(r.id));
    }
    // Finished jobs Slurm has already forgotten keep their last known state from our records.
    // One last seen active ended while nobody watched: without accounting its outcome is lost,
    // and it says so rather than look active for ever.
    const seen = new Set(rows.map((r) => r.id));
    const gone = recorded
      .filter((r) => !seen.has(r.id))
      .map((r) => (isTerminalState(r.state) ? r : { ...r, reason: VANISHED_REASON }));
    return applyFilter([...rows, ...gone], filter);
  }

  private async requireKnown(ids: string[]): Promise<string[]> {
    return (await this.knownRows(ids)).ids;
  }

  private async knownRows(ids: string[]): Promise<{ ids: string[]; rows: JobRow[] }> {
    const checked = checkJobIds(ids);
    const rows = await this.list({ states: "all" });
    const unknown = checked.filter((id) => !rows.some((r) => matchesId(r, id)));
    if (unknown.length > 0) throw new UserError(`no such job: ${unknown.join(", ")}`);
    return { ids: checked, rows };
  }

  async cancel(ids: string[]): Promise<CancelOutcome[]> {
    const known = await this.knownRows(ids);
    const outcomes = known.ids.map((id) => cancelOutcome(id, known.rows));
    const live = outcomes.filter((o) => o.cancelled).map((o) => o.id);
    if (live.length > 0) await runCommand("scancel", live);
    return outcomes;
  }

  async hold(ids: string[]): Promise<void> {
    await runCommand("scontrol", ["hold", (await this.requireKnown(ids)).join(",")]);
  }

  async release(ids: string[]): Promise<void> {
    await runCommand("scontrol", ["release", (await this.requireKnown(ids)).join(",")]);
  }

  async show(id: string): Promise<Record<string, string>> {
    const [checked] = checkJobIds([id]);
    const { stdout } = await runCommand("scontrol", ["show", "job", "-o", checked]);
    const first = stdout.split("\n").find((l) => l.trim() !== "");
    if (!first) throw new UserError(`no such job: ${id}`);
    return parseScontrolLine(first);
  }

  async accounting(filter: JobFilter = {}): Promise<{ source: "sacct" | "records"; jobs: JobRow[] }> {
    try {
      const { stdout } = await runCommand("sacct", ["--json"]);
      const data = JSON.parse(stdout) as { jobs?: { job_id?: number }[] };
      // sacct's JSON differs from squeue's; hpcfit needs only what squeue-shaped rows carry, so
      // it joins sacct's job ids with the live queue and our records.
      const ids = new Set((data.jobs ?? []).map((j) => String(j.job_id)));
      const rows = (await this.list({ states: "all" })).filter((r) => ids.has(String(r.jobId)) || ids.has(String(r.arrayJobId)));
      return { source: "sacct", jobs: applyFilter(rows, { states: "all", ...filter }) };
    } catch (error) {
      if (
        !(error instanceof UserError) ||
        !/accounting storage is disabled|slurmdbd|Connection refused|not JSON|Unexpected token/i.test(error.message)
      )
        throw error;
      const rows = await this.list({ states: "all" });
      const known = new Set(this.store.all("slurm", this.cluster).map((s) => s.row.id));
      return {
        source: "records",
        jobs: applyFilter(
          rows.filter((r) => known.has(r.id)),
          { states: "all", ...filter },
        ),
      };
    }
  }

  async partitions(): Promise<PartitionInfo[]> {
    const { stdout } = await runCommand("sinfo", ["-h", "-o", "%P|%a|%l|%D|%C"]);
    return stdout
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((line) => {
        const [name = "", avail, limit, nodes, cpus] = line.split("|");
        const [a, i, , t] = (cpus ?? "0/0/0/0").split("/").map(Number);
        const lim = limit === "infinite" || !limit ? null : parseTimeLimit(limit);
        return {
          name: name.replace(/\*$/, ""),
          default: name.endsWith("*"),
          available: avail === "up",
          timeLimit: lim,
          nodes: Number(nodes),
          cpusAllocated: a ?? 0,
          cpusIdle: i ?? 0,
          cpusTotal: t ?? 0,
        };
      });
  }

  async nodes(): Promise<NodeInfo[]> {
    const { stdout } = await runCommand("sinfo", ["--json"]);
    const data = JSON.parse(stdout) as {
      nodes?: { name?: string; state?: string; cpus?: number; alloc_cpus?: number; partitions?: string[] }[];
    };
    return (data.nodes ?? []).map((n) => ({
      name: n.name ?? "",
      state: (n.state ?? "unknown").toLowerCase(),
      cpus: n.cpus ?? 0,
      cpusAllocated: n.alloc_cpus ?? 0,
      partitions: n.partitions ?? [],
    }));
  }

  async forget(ids: string[]): Promise<number> {
    const checked = checkJobIds(ids);
    const rows = checked.flatMap((id) => this.store.find("slurm", this.cluster, id)).map((s) => s.row);
    const active = rows.filter((r) => ["PENDING", "RUNNING", "SUSPENDED", "COMPLETING"].includes(r.state));
    if (active.length > 0) throw new UserError(`job ${active[0].id} has not ended; cancel it before forgetting it`);
    return this.store.remove(
      "slurm",
      this.cluster,
      rows.map((r) => r.id),
    );
  }

  /** The current user's name (for `--me`). */
  static currentUser(): string {
    return userInfo().username;
  }
}
