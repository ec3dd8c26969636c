/**
 * The kernel process Jupyter starts (`hpcfit kernel`): it owns the ZeroMQ sockets and runs the
 * interpreter (the protocol layer, the TypeScript interpreter, comms, history) in a child process,
 * which it restarts when it dies. A cell that exhausts the heap aborts V8 and no handler inside the
 * process can catch that; here only the child dies, while the sockets, the heartbeat and the
 * clients' connections stay. The cell the child was running ends with an error saying what
 * happened, requests queued behind it are answered or handed to the next interpreter, comms it
 * held are closed, and execution counts go on.
 *
 * The child runs in a session of its own, so a SIGINT that Jupyter sends to the kernel's process
 * group reaches only this process, which rings the child's interrupt doorbell (`kernel/interrupt/doorbell.ts`)
 * instead of passing the signal on: no number or timing of signals can then end the child, which
 * hears the doorbell from the moment it exists, however busy it is. kernel_info is answered
 * here, so that the first reply never waits for the child to start.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import type { Writable } from "node:stream";
import { KERNEL_LAUNCHER_ENV, readConnectionFile } from "../../jupyter/connection-file.js";
import { createMessage, type Channel, type JSONDict, type JupyterMessage, type SenderIdentity } from "../../jupyter/message.js";
import { kernelInfoContent } from "../protocol/kernel-info.js";
import { WorkerTransport } from "../transport/worker-transport.js";
import { packageVersion } from "../../util/paths.js";
import { processAlive } from "../../util/process-alive.js";
import { doorbellRecord } from "../interrupt/doorbell.js";
import { describeDeath, type DeathReport } from "./death-report.js";
import {
  INTERPRETER_START_VARIABLE,
  INTERRUPT_DOORBELL_FD,
  type InterpreterEvent,
  type InterpreterStart,
  type SupervisorCommand,
} from "./messages.js";
import { RequestLedger, type Estate, type LedgerEntry } from "./request-ledger.js";

/** How to supervise a kernel. */
export interface SuperviseOptions {
  /** Path of the connection file written by the Jupyter client. */
  connectionFile: string;
  /**
   * The compiled script the interpreter process runs. It is given by the caller because it wires
   * the interpreter to the magics, which the kernel package does not know.
   */
  interpreterScript: string;
}

/** How much of the child's last stderr is kept to tell why it died. */
const STDERR_TAIL = 4096;
/** Deaths within this window count as a crash loop; after this many the kernel gives up. */
const CRASH_WINDOW_MS = 30_000;
const MAX_CRASHES_IN_WINDOW = 5;
/** How long the child has to end after SIGTERM before it is killed. */
const TERM_GRACE_MS = 5000;
/** How often the kernel checks that the process that started it is still alive. */
const PARENT_POLL_MS = 1000;

function log(text: string): void {
  process.stderr.write(`[hpcfit kernel] ${text}\n`);
}

function username(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? "hpcfit";
  }
}

/** Binds the sockets and runs interpreters until a shutdown; resolves once the sockets are bound. */
export async function superviseKernel(options: SuperviseOptions): Promise<void> {
  const connection = readConnectionFile(options.connectionFile);
  const sender: SenderIdentity = { session: randomUUID(), username: username() };
  const transport = new WorkerTransport(connection, sender);
  const supervisor = new Supervisor(transport, sender, options.interpreterScript);
  await transport.started();
  supervisor.announce();
}

class Supervisor {
  private readonly ledger = new RequestLedger();
  private readonly version = packageVersion();
  private child: ChildProcess | undefined;
  /** The child's interrupt doorbell (see `kernel/interrupt/doorbell.ts`). */
  private doorbell: Writable | undefined;
  /** The child has its protocol layer and takes messages. */
  private ready = false;
  /** Messages for the child that came while none was ready, in arrival order. */
  private readonly waiting: SupervisorCommand[] = [];
  private exitNotice: number | undefined;
  private stopping = false;
  private ending = false;
  private readonly crashes: number[] = [];
  /** The child's messages for the clients not yet handed to the socket thread. */
  private readonly outbox: Array<{ channel: Channel; message: JupyterMessage }> = [];

  constructor(
    private readonly transport: WorkerTransport,
    private readonly sender: SenderIdentity,
    private readonly script: string,
  ) {
    transport.onMessage((channel, message, receivedAt) => this.fromClient(channel, message, receivedAt));
    // Jupyter's interrupt (to the process group), Ctrl-C, and the socket thread's answer to an
    // interrupt_request all arrive here as SIGINT.
    process.on("SIGINT", () => this.interrupt());
    process.on("SIGTERM", () => this.terminate());
    // A kernel outlives nobody: re-parented means that whoever started it is gone, and so does a
    // launcher that named itself and died before this process read its parent.
    const parent = process.ppid;
    const launcher = takeLauncher(parent);
    setInterval(() => {
      if (process.ppid !== parent || (launcher !== undefined && !processAlive(launcher))) this.terminate();
    }, PARENT_POLL_MS).unref();
    this.startChild();
  }

  /** Announces the kernel on iopub (`status: starting`). */
  announce(): void {
    this.publish("status", { execution_state: "starting" });
  }

  private fromClient(channel: Exclude<Channel, "iopub">, message: JupyterMessage, receivedAt: number): void {
    if (message.header.msg_type === "kernel_info_request" && channel !== "stdin") {
      this.publish("status", { execution_state: "busy" }, message);
      this.send(channel, createMessage(this.sender, "kernel_info_reply", kernelInfoContent(this.version), message));
      this.publish("status", { execution_state: "idle" }, message);
      return;
    }
    this.toChild({ kind: "message", channel, message, receivedAt });
  }

  private toChild(command: SupervisorCommand): void {
    if (!this.ready || !this.child?.connected) {
      this.waiting.push(command);
      return;
    }
    this.ledger.forwarded(command.channel, command.message);
    try {
      this.child.send(command);
    } catch {
      // The child is going; the ledger has the message, and its death hands it to the next one.
    }
  }

  private fromChild(event: InterpreterEvent): void {
    switch (event.kind) {
      case "ready":
        this.ready = true;
        for (const command of this.waiting.splice(0)) this.toChild(command);
        return;
      case "send":
        this.ledger.sent(event.channel, event.message);
        // Messages that came in one read of the channel (a reply, its outputs and its idle) go to
        // the socket thread in one post, after the last of them has been handled.
        if (this.outbox.push({ channel: event.channel, message: event.message }) === 1) {
          queueMicrotask(() => this.transport.sendMany(this.outbox.splice(0)));
        }
        return;
      case "exit":
        this.exitNotice = event.code;
        return;
    }
  }

  private startChild(): void {
    const start: InterpreterStart = { sender: this.sender, executionCount: this.ledger.executionCount };
    this.ready = false;
    this.exitNotice = undefined;
    let tail = "";
    const child = spawn(process.execPath, [...process.execArgv, this.script], {
      env: { ...process.env, [INTERPRETER_START_VARIABLE]: JSON.stringify(start) },
      // The interrupt doorbell comes last, as the child's descriptor INTERRUPT_DOORBELL_FD.
      stdio: ["ignore", "inherit", "pipe", "ipc", "pipe"],
      serialization: "advanced",
      // A session of its own: signals to the kernel's process group reach the supervisor only.
      detached: true,
    });
    this.child = child;
    child.on("message", (event: InterpreterEvent) => this.fromChild(event));
    child.stderr?.on("data", (chunk: Buffer) => {
      process.stderr.write(chunk);
      tail = (tail + chunk.toString("utf8")).slice(-STDERR_TAIL);
    });
    child.on("error", (error) => log(`interpreter process: ${error.message}`));
    const doorbell = child.stdio[INTERRUPT_DOORBELL_FD] as Writable | null;
    // A ring the child never reads (it died) is no error: its death is handled on "close".
    doorbell?.on("error", () => undefined);
    this.doorbell = doorbell ?? undefined;
    // "close" comes after the child's stderr has ended, so the tail holds its last words.
    child.on("close", (code, signal) => this.childEnded(child, code, signal, tail));
  }

  private childEnded(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, tail: string): void {
    if (child !== this.child) return;
    const wasReady = this.ready;
    this.child = undefined;
    this.doorbell = undefined;
    this.ready = false;
    if (this.exitNotice !== undefined || this.stopping) {
      void this.end(this.exitNotice ?? 0);
      return;
    }
    if (signal === "SIGINT" && !wasReady) {
      // A SIGINT sent to the kernel's process group in the instant between the child's fork and
      // its move to a session of its own stays pending in it, and ends it as its signals are
      // unblocked, before any of its code runs. It held nothing and nothing is wrong with it: it
      // is started again, neither reported to a cell nor counted as a crash.
      log("the interpreter was ended as it started by a SIGINT to the kernel's process group; starting it again");
      this.startChild();
      return;
    }
    const report = describeDeath(code, signal, tail);
    log(`the interpreter died (${signal ?? `exit code ${code}`}): ${report.evalue}`);
    const estate = this.ledger.reset();
    const resend = this.answerForTheDead(estate, report);
    const now = Date.now();
    this.crashes.push(now);
    while (this.crashes.length > 0 && this.crashes[0] < now - CRASH_WINDOW_MS) this.crashes.shift();
    if (this.crashes.length >= MAX_CRASHES_IN_WINDOW) {
      log(`the interpreter died ${this.crashes.length} times in ${CRASH_WINDOW_MS / 1000} s; the kernel gives up`);
      void this.end(1);
      return;
    }
    // Requests the dead interpreter never answered go first, in the order they came.
    this.waiting.unshift(...resend.map((entry): SupervisorCommand => ({ kind: "message", ...entry, receivedAt: Date.now() })));
    this.startChild();
  }

  /**
   * Answers what the dead interpreter held: the request it was running gets the error (a cell:
   * an error output, its reply and idle), execute requests queued behind a cell that stops on
   * error are aborted as the protocol layer would have, and comms it held are closed. Returns
   * the requests the next interpreter must answer.
   */
  private answerForTheDead(estate: Estate, report: DeathReport): LedgerEntry[] {
    const { running } = estate;
    const error = { ename: report.ename, evalue: report.evalue, traceback: [`${report.ename}: ${report.evalue}`] };
    if (running) {
      const isCell = running.message.header.msg_type === "execute_request";
      if (isCell) this.publish("error", error, running.message);
      this.reply(
        running,
        isCell ? { status: "error", execution_count: estate.executionCount, ...error } : { status: "error", ...error },
      );
      this.publish("status", { execution_state: "idle" }, running.message);
    } else {
      // Nothing was running (a timer or a callback ran out of memory): tell the cell that ran last.
      this.publish("stream", { name: "stderr", text: `${report.ename}: ${report.evalue}\n` }, estate.lastExecute);
    }
    for (const { commId } of estate.comms) this.publish("comm_close", { comm_id: commId, data: {} }, running?.message);
    const abortCells = running?.message.header.msg_type === "execute_request" && running.message.content.stop_on_error !== false;
    const resend: LedgerEntry[] = [];
    for (const entry of estate.queued) {
      if (abortCells && entry.message.header.msg_type === "execute_request") {
        this.publish("status", { execution_state: "busy" }, entry.message);
        this.reply(entry, { status: "aborted", execution_count: null });
        this.publish("status", { execution_state: "idle" }, entry.message);
      } else resend.push(entry);
    }
    return resend;
  }

  private interrupt(): void {
    // The interpreter alone, not its process group: what it runs stops on the cell's abort (a
    // shell magic stops its shell). A ring before the child reads its doorbell waits in the pipe;
    // the time it carries keeps it from interrupting a cell that starts later.
    if (this.doorbell?.writable) this.doorbell.write(doorbellRecord());
  }

  private terminate(): void {
    if (this.stopping) return;
    this.stopping = true;
    const child = this.child;
    if (!child) {
      void this.end(0);
      return;
    }
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), TERM_GRACE_MS).unref();
  }

  private async end(code: number): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    await this.transport.close();
    process.exit(code);
  }

  private reply(entry: LedgerEntry, content: JSONDict): void {
    const type = entry.message.header.msg_type.replace(/_request$/, "_reply");
    this.send(entry.channel, createMessage(this.sender, type, content, entry.message));
  }

  private publish(msgType: string, content: JSONDict, parent?: JupyterMessage): void {
    this.send("iopub", createMessage(this.sender, msgType, content, parent, { identities: [] }));
  }

  private send(channel: Channel, message: JupyterMessage): void {
    // After whatever the child sent before, which may still wait in the outbox.
    this.transport.sendMany([...this.outbox.splice(0), { channel, message }]);
  }
}

/**
 * The launcher named in {@link KERNEL_LAUNCHER_ENV} when it is not this process's parent at start
 * (it died before the parent was read), else undefined. The variable is taken out of the
 * environment, so that nothing the kernel starts (a batch job on another machine, where that pid
 * means nothing) inherits it.
 */
function takeLauncher(parentAtStart: number): number | undefined {
  const named = Number(process.env[KERNEL_LAUNCHER_ENV]);
  delete process.env[KERNEL_LAUNCHER_ENV];
  return Number.isInteger(named) && named > 1 && named !== parentAtStart ? named : undefined;
}
