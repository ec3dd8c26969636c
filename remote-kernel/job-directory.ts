/**
 * The folder one Slurm kernel shares between the proxy (where Jupyter runs) and the allocation's
 * nodes: in the user's data directory, which a cluster's login and compute nodes share, private
 * (0700), its files 0600. One folder per kernelspec and connection file, so that a kernel
 * restarted by Jupyter (same connection file) finds the allocation its previous proxy held.
 *
 * ```
 * <data>/slurm-kernels/<NAME>-<hash>/
 *   allocation.json   the job id of the allocation (the record a restarted proxy reads)
 *   key               the session key (from Jupyter's connection file), for the kernel on the node
 *   lease             touched by the proxy; the allocation's agent ends the job when it goes stale
 *   agent.out         the batch job's output
 *   launches/<id>/    one kernel start: connection.json (the node kernel's), ports.json once bound
 * ```
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, realpathSync, renameSync, rmSync, statSync, utimesSync } from "node:fs";
import { join, resolve } from "node:path";
import type { KernelPorts } from "../jupyter/connection-file.js";
import { ensurePrivateDir, ensurePrivateFile, userDataDir, writePrivateFile } from "../util/paths.js";
import { UserError } from "../util/user-error.js";

/** What the proxy records of its allocation. */
export interface AllocationRecord {
  /** Slurm's job id. */
  jobId: string;
  /** When it was submitted (ISO 8601). */
  submitted: string;
}

/** Where the kernel on the node says it listens, once its sockets are bound. */
export interface NodeKernelPorts extends KernelPorts {
  /** The address the node kernel bound (the node's address). */
  ip: string;
  /** The node it runs on (`SLURMD_NODENAME`). */
  node: string;
  /** Its process id on that node. */
  pid: number;
}

/** One Slurm kernel's shared folder. */
export class KernelJobDirectory {
  /** Opens (and creates, private) the folder at `dir`. */
  constructor(readonly dir: string) {
    ensurePrivateDir(dir);
  }

  /**
   * The folder of the kernel named `name` started with `connectionFile`: the same for every
   * restart of one notebook's kernel, different for two notebooks.
   */
  static forConnection(name: string, connectionFile: string, env: NodeJS.ProcessEnv = process.env): KernelJobDirectory {
    let path = resolve(connectionFile);
    try {
      path = realpathSync(path);
    } catch {
      // A connection file that cannot be resolved is named as given; reading it fails later with its own message.
    }
    const hash = createHash("sha256").update(`${name}\0${path}`).digest("hex").slice(0, 16);
    return new KernelJobDirectory(join(ensurePrivateDir(join(userDataDir(env), "slurm-kernels")), `${name}-${hash}`));
  }

  /** The allocation record's path. */
  get recordFile(): string {
    return join(this.dir, "allocation.json");
  }
  /** The session key's path. */
  get keyFile(): string {
    return join(this.dir, "key");
  }
  /** The lease's path. */
  get leaseFile(): string {
    return join(this.dir, "lease");
  }
  /** The batch job's output. */
  get agentOutput(): string {
    return join(this.dir, "agent.out");
  }

  /** The recorded allocation, or null when there is none (or it cannot be read). */
  readRecord(): AllocationRecord | null {
    if (!existsSync(this.recordFile)) return null;
    try {
      const r = JSON.parse(readFileSync(this.recordFile, "utf8")) as Partial<AllocationRecord>;
      return typeof r.jobId === "string" && /^\d+$/.test(r.jobId) ? { jobId: r.jobId, submitted: r.submitted ?? "" } : null;
    } catch {
      return null;
    }
  }

  /** Records the allocation (atomically: a restarted proxy never reads half a record). */
  writeRecord(record: AllocationRecord): void {
    const tmp = `${this.recordFile}.tmp`;
    writePrivateFile(tmp, JSON.stringify(record) + "\n");
    renameSync(tmp, this.recordFile);
  }

  /** Forgets the allocation. */
  removeRecord(): void {
    rmSync(this.recordFile, { force: true });
  }

  /** Writes the session key for the node kernel, readable by the user only. */
  writeKey(key: string, scheme: string): void {
    writePrivateFile(this.keyFile, JSON.stringify({ key, signature_scheme: scheme }) + "\n");
  }

  /** Reads the session key; refuses a key file others could read. */
  readKey(): { key: string; signature_scheme: string } {
    if (!existsSync(this.keyFile)) throw new UserError(`no session key in ${this.dir}: the proxy did not write one`);
    if ((statSync(this.keyFile).mode & 0o077) !== 0)
      throw new UserError(`${this.keyFile} is readable by others; refusing to use it`);
    const k = JSON.parse(readFileSync(this.keyFile, "utf8")) as { key?: unknown; signature_scheme?: unknown };
    if (typeof k.key !== "string" || typeof k.signature_scheme !== "string") throw new UserError(`${this.keyFile} holds no key`);
    return { key: k.key, signature_scheme: k.signature_scheme };
  }

  /** Renews the lease (creating it the first time). */
  touchLease(): void {
    ensurePrivateFile(this.leaseFile);
    const now = new Date();
    utimesSync(this.leaseFile, now, now);
  }

  /** Seconds since the lease was last renewed; Infinity when there is none. */
  leaseAge(now = Date.now()): number {
    try {
      return (now - statSync(this.leaseFile).mtimeMs) / 1000;
    } catch {
      return Infinity;
    }
  }

  /** The folder of one kernel start (created, private). */
  launchDir(launch: string): string {
    if (!/^[A-Za-z0-9-]+$/.test(launch)) throw new UserError(`bad launch id "${launch}"`);
    return ensurePrivateDir(join(this.dir, "launches", launch));
  }

  /** The node kernel's ports for one start, or null until it has written them. */
  readPorts(launch: string): NodeKernelPorts | null {
    const path = join(this.launchDir(launch), "ports.json");
    if (!existsSync(path)) return null;
    try {
      return JSON.parse(readFileSync(path, "utf8")) as NodeKernelPorts;
    } catch {
      // Being written: the next look finds it whole.
      return null;
    }
  }

  /** Writes the node kernel's ports (atomically). */
  writePorts(launch: string, ports: NodeKernelPorts): void {
    const path = join(this.launchDir(launch), "ports.json");
    writePrivateFile(`${path}.tmp`, JSON.stringify(ports) + "\n");
    renameSync(`${path}.tmp`, path);
  }

  /** Removes one start's folder. */
  removeLaunch(launch: string): void {
    rmSync(join(this.dir, "launches", launch), { recursive: true, force: true });
  }

  /** Removes the whole folder (the kernel was shut down). */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
