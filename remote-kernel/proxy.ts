/**
 * The Slurm kernel's proxy: what a "HPCFit on Slurm" kernelspec starts where Jupyter runs. It
 * binds the five ports of Jupyter's connection file, gets an allocation (the one its previous
 * proxy left, after a restart, or a new one), starts the real kernel on the allocation's first
 * node with `srun --overlap`, and passes every frame between the two (forwarder.ts). It ends with
 * the kernel: a shutdown ends the allocation, a restart leaves it for the next proxy, and the
 * allocation's end (its time limit) ends the kernel with a message saying so.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import { readConnectionFile, type ConnectionInfo } from "../jupyter/connection-file.js";
import { createMessage, type JupyterMessage, type SenderIdentity } from "../jupyter/message.js";
import { MessageSigner, serializeMessage } from "../jupyter/wire.js";
import { elapsed } from "../jobs/render.js";
import {
  allocationStatus,
  cancelAllocation,
  firstNode,
  isLive,
  nodeAddress,
  requireSlurm,
  statusLine,
  submitAllocation,
  waitUntilRunning,
  type AllocationStatus,
} from "./allocation.js";
import { Forwarder, peek, type Peek } from "./forwarder.js";
import { KernelJobDirectory, type NodeKernelPorts } from "./job-directory.js";
import { readSettings, type SlurmKernelSettings } from "./settings.js";

/** How to run the proxy. */
export interface ProxyOptions {
  /** Jupyter's connection file. */
  connectionFile: string;
  /** The kernelspec's folder (it holds slurm.json). */
  specDir: string;
  /** The `hpcfit` CLI (compiled) that the batch script and srun run on the nodes. */
  cli: string;
  /** The proxy's log (Jupyter's server log). */
  log(line: string): void;
}

/** A running proxy. */
export interface RunningProxy {
  /** Resolves with the exit status once the proxy is done (kernel shut down, restarted, or lost). */
  readonly finished: Promise<number>;
  /** Interrupts the kernel's running cell (an interrupt_request on control): what SIGINT does. */
  interrupt(): void;
  /** Stops the kernel's process and the proxy, leaving the allocation (and its lease) as they are: what SIGTERM does. */
  terminate(): void;
}

const PORTS_POLL_MS = 100;

function username(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? "hpcfit";
  }
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return [h ? `${h} h` : "", m ? `${m} min` : "", s || (!h && !m) ? `${s} s` : ""].filter(Boolean).join(" ");
}

/** Starts the proxy; the CLI waits for {@link RunningProxy.finished} and exits with it. */
export function startProxy(options: ProxyOptions): RunningProxy {
  return new SlurmKernelProxy(options);
}

class SlurmKernelProxy implements RunningProxy {
  readonly finished: Promise<number>;
  private finish!: (code: number) => void;
  private readonly info: ConnectionInfo;
  private readonly settings: SlurmKernelSettings;
  private readonly dir: KernelJobDirectory;
  private readonly signer: MessageSigner;
  private readonly sender: SenderIdentity = { session: randomUUID(), username: username() };
  private forwarder: Forwarder | undefined;
  private jobId: string | undefined;
  private node = "";
  private srun: ChildProcess | undefined;
  private launch: string | undefined;
  /** The execute_request running on the kernel, which notices name as their parent. */
  private running: Peek | null = null;
  /** What a shutdown_request asked (set once one passed). */
  private shutdown: { restart: boolean } | null = null;
  private terminating = false;
  private done = false;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly options: ProxyOptions) {
    this.finished = new Promise((resolve) => (this.finish = resolve));
    this.info = readConnectionFile(options.connectionFile);
    this.settings = readSettings(options.specDir);
    this.signer = new MessageSigner(this.info.key, this.info.signature_scheme);
    this.dir = KernelJobDirectory.forConnection(this.settings.name, options.connectionFile);
    void this.start().catch((error: unknown) => this.fail(error));
  }

  private log(line: string): void {
    this.options.log(line);
  }

  private async start(): Promise<void> {
    requireSlurm();
    this.forwarder = await Forwarder.bind(this.info, {
      fromClient: (channel, frames) => this.fromClient(channel, frames),
      fromKernel: (channel, frames) => this.fromKernel(channel, frames),
    });
    // The lease keeps the allocation while this proxy lives, renewed well inside its length.
    this.dir.touchLease();
    this.timers.push(setInterval(() => this.dir.touchLease(), (this.settings.leaseSeconds * 1000) / 4));
    const jobId = await this.allocation();
    if (this.done) return;
    const status = await waitUntilRunning(jobId, {
      limitSeconds: this.settings.waitLimitSeconds,
      onStatus: (s) => this.status(s),
    });
    if (this.done) return;
    this.node = await firstNode(status.nodeList ?? "");
    const address = await nodeAddress(this.node);
    this.dir.writeKey(this.info.key, this.info.signature_scheme);
    const ports = await this.launchKernel(jobId, status, address);
    if (this.done || ports === null) return;
    this.forwarder.connect(ports);
    this.log(`kernel running on ${ports.node || this.node} (pid ${ports.pid}) in job ${jobId}, at ${ports.ip}`);
    this.watchTimeLimit(status);
  }

  /** The allocation to use: the recorded one while Slurm still holds it, else a new one. */
  private async allocation(): Promise<string> {
    const record = this.dir.readRecord();
    if (record) {
      const status = await allocationStatus(record.jobId);
      if (status !== null && isLive(status)) {
        this.log(`reusing the allocation of the previous kernel: ${statusLine(status)}`);
        return (this.jobId = record.jobId);
      }
      this.dir.removeRecord();
    }
    const jobId = await submitAllocation(this.dir, this.settings, this.options.cli);
    this.dir.writeRecord({ jobId, submitted: new Date().toISOString() });
    this.log(`submitted the allocation: job ${jobId} (sbatch ${this.settings.sbatch.join(" ")})`);
    return (this.jobId = jobId);
  }

  private status(s: AllocationStatus): void {
    const line = `${statusLine(s)}${s.state === "PENDING" ? ", waiting for the allocation" : ""}`;
    this.log(line);
    if (s.state === "PENDING") void this.notice(`[hpcfit on Slurm] ${line}\n`);
  }

  /** Starts the kernel on the node; resolves with its ports once it listens, or null when it died first. */
  private async launchKernel(jobId: string, status: AllocationStatus, address: string): Promise<NodeKernelPorts | null> {
    const launch = (this.launch = randomUUID());
    this.dir.launchDir(launch);
    const args = [
      `--jobid=${jobId}`,
      "--overlap",
      "--nodes=1",
      "--ntasks=1",
      `--nodelist=${this.node}`,
      `--cpus-per-task=${status.cpusPerNode}`,
      "--quiet",
      process.execPath,
      this.options.cli,
      "slurm-kernel",
      "node",
      "--dir",
      this.dir.dir,
      "--launch",
      launch,
      "--ip",
      address,
    ];
    const srun = (this.srun = spawn("srun", args, { stdio: ["ignore", "inherit", "inherit"] }));
    let exited = false;
    srun.on("error", (error) => this.fail(new Error(`srun could not start: ${error.message}`)));
    srun.on("exit", (code, signal) => {
      exited = true;
      void this.kernelEnded(code, signal);
    });
    while (!exited && !this.done) {
      const ports = this.dir.readPorts(launch);
      if (ports) return ports;
      await new Promise((r) => setTimeout(r, PORTS_POLL_MS));
    }
    return null;
  }

  private watchTimeLimit(status: AllocationStatus): void {
    if (status.endTime === null) return;
    const end = status.endTime;
    const warnAt = end.getTime() - this.settings.warnBeforeSeconds * 1000;
    const warn = (): void => {
      const left = elapsed(new Date().toISOString(), end.toISOString());
      const text =
        `[hpcfit on Slurm] job ${this.jobId} reaches its time limit in ${left} (at ${end.toLocaleTimeString()}): ` +
        `the kernel on ${this.node} ends then. Save what you need.\n`;
      this.log(text.trim());
      void this.notice(text);
    };
    this.timers.push(setTimeout(warn, Math.max(0, warnAt - Date.now())));
  }

  private fromClient(channel: "shell" | "control", frames: Buffer[]): boolean {
    const m = peek(frames);
    if (m === null) return true;
    if (channel === "shell" && m.msgType === "execute_request") this.running = m;
    if (channel === "control" && m.msgType === "shutdown_request") {
      this.shutdown = { restart: m.content.restart === true };
      if (!this.forwarder?.connected) {
        // No kernel yet: the proxy answers, and ends the wait.
        void this.reply(m, "shutdown_reply", { status: "ok", restart: this.shutdown.restart }).then(() =>
          this.stopBeforeKernel(),
        );
        return false;
      }
    }
    if (channel === "control" && m.msgType === "interrupt_request" && !this.forwarder?.connected) {
      void this.reply(m, "interrupt_reply", { status: "ok" });
      return false;
    }
    return true;
  }

  private fromKernel(channel: "shell" | "control" | "iopub", frames: Buffer[]): boolean {
    if (channel === "iopub" && this.running !== null) {
      const m = peek(frames);
      if (m?.msgType === "status" && m.content.execution_state === "idle" && m.parentMsgId === this.running.msgId)
        this.running = null;
    }
    // The kernel's answer to the proxy's own interrupt_request has no client to go to.
    if (channel === "control") {
      const m = peek(frames);
      if (m !== null && m.identities.length === 0) return false;
    }
    return true;
  }

  private asParent(m: Peek): JupyterMessage {
    return {
      identities: m.identities,
      header: m.header as unknown as JupyterMessage["header"],
      parent_header: {},
      metadata: {},
      content: {},
      buffers: [],
    };
  }

  private async reply(to: Peek, type: string, content: Record<string, unknown>): Promise<void> {
    const message = createMessage(this.sender, type, content, this.asParent(to));
    await this.forwarder?.toClient("control", serializeMessage(message, this.signer));
  }

  /** A line on stderr in the notebook: in the running cell's output, or (no cell running) in the log console. */
  private async notice(text: string): Promise<void> {
    const parent = this.running ? this.asParent(this.running) : undefined;
    const message = createMessage(this.sender, "stream", { name: "stderr", text }, parent, {
      identities: [Buffer.from(`kernel.${this.sender.session}.stream`)],
    });
    await this.forwarder?.toClient("iopub", serializeMessage(message, this.signer));
  }

  /** SIGINT: the kernel runs in message mode, so an interrupt_request goes to it on control. */
  interrupt(): void {
    if (!this.forwarder?.connected) {
      this.log("interrupt: no kernel running yet");
      return;
    }
    const message = createMessage(this.sender, "interrupt_request", {}, undefined, { identities: [] });
    void this.forwarder.toKernel("control", serializeMessage(message, this.signer));
  }

  terminate(): void {
    this.terminating = true;
    if (this.srun && this.srun.exitCode === null) this.srun.kill("SIGTERM");
    else void this.end(0);
  }

  /** A shutdown while the allocation pends: cancel it (unless this is a restart) and stop. */
  private async stopBeforeKernel(): Promise<void> {
    if (this.done) return;
    if (!this.shutdown?.restart && this.jobId) {
      await cancelAllocation(this.jobId).catch((e: unknown) => this.log(`could not cancel job ${this.jobId}: ${String(e)}`));
      this.dir.remove();
    }
    await this.end(0);
  }

  private async kernelEnded(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.done) return;
    const jobId = this.jobId ?? "";
    if (this.launch) this.dir.removeLaunch(this.launch);
    if (this.shutdown) {
      if (this.shutdown.restart) {
        this.log(`kernel restarting: the allocation (job ${jobId}) stays for the next kernel`);
      } else {
        this.log(`kernel shut down: cancelling the allocation (job ${jobId})`);
        await cancelAllocation(jobId).catch((e: unknown) => this.log(`could not cancel job ${jobId}: ${String(e)}`));
        this.dir.remove();
      }
      return this.end(0);
    }
    if (this.terminating) return this.end(0);
    // Did the allocation end (time limit, cancelled, node lost), or only the kernel's process?
    let status: AllocationStatus | null = null;
    for (let look = 0; look < 20; look++) {
      status = await allocationStatus(jobId).catch(() => null);
      if (!isLive(status)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    let text: string;
    if (!isLive(status)) {
      this.dir.removeRecord();
      const limit = status?.timeLimitSeconds;
      text =
        // A job at its limit is COMPLETING (reason TimeLimit) before it is TIMEOUT.
        status?.state === "TIMEOUT" || status?.reason === "TimeLimit"
          ? `[hpcfit on Slurm] job ${jobId} reached its time limit${limit ? ` (${duration(limit)})` : ""} and ended: ` +
            `the kernel on ${this.node} is gone. Restart the kernel to run in a new allocation.\n`
          : `[hpcfit on Slurm] job ${jobId} ended (${status ? statusLine(status) : "Slurm no longer knows it"}): ` +
            `the kernel on ${this.node} is gone. Restart the kernel to run in a new allocation.\n`;
    } else {
      text =
        `[hpcfit on Slurm] the kernel process on ${this.node} ended (${signal ?? `exit status ${code}`}); ` +
        `job ${jobId} still holds the allocation for the next kernel.\n`;
    }
    this.log(text.trim());
    await this.notice(text);
    await this.end(1);
  }

  private fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.log(`cannot start the kernel: ${message}`);
    void this.notice(`[hpcfit on Slurm] cannot start the kernel: ${message}\n`).finally(() => void this.end(1));
  }

  private async end(code: number): Promise<void> {
    if (this.done) return;
    this.done = true;
    for (const t of this.timers) clearTimeout(t);
    if (this.srun && this.srun.exitCode === null && this.srun.signalCode === null) this.srun.kill("SIGTERM");
    // A moment for the last notice or reply to leave before the sockets close.
    await new Promise((r) => setTimeout(r, 200));
    this.forwarder?.close();
    this.finish(code);
  }
}
