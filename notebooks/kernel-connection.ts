/**
 * The client side of the Jupyter wire protocol, for running notebooks headless: starts a kernel
 * from its kernelspec with a fresh connection file, connects shell, control, stdin and iopub
 * over ZeroMQ, and runs code, delivering each request's iopub messages until the kernel is idle.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import type * as zmq from "zeromq";
import { endpoint, freeTcpConnection, KERNEL_LAUNCHER_ENV, type ConnectionInfo } from "../jupyter/connection-file.js";
import { createMessage, type JSONDict, type JupyterMessage, type SenderIdentity } from "../jupyter/message.js";
import { MessageSigner, parseMessage, serializeMessage } from "../jupyter/wire.js";
import { findKernelSpec, type KernelSpec } from "./kernelspec.js";
import { createRunDir } from "./run-directory.js";
import type { IopubMessage } from "./outputs.js";
import type { ExecuteReply, KernelConnection } from "./runner.js";
import { UserError } from "../util/user-error.js";

/** Options of {@link startKernel}. */
export interface StartKernelOptions {
  /** Kernelspec name (default "hpcfit"). */
  kernelName?: string;
  /** Working directory of the kernel process. */
  cwd?: string;
  /** Seconds to wait for the first kernel_info_reply (default 60). */
  startTimeout?: number;
  /** Extra environment for the kernel. */
  env?: NodeJS.ProcessEnv;
}

export { freePort } from "../util/free-port.js";

/** Starts the kernel named in `options` and waits until it answers kernel_info. */
export async function startKernel(options: StartKernelOptions = {}): Promise<ZmqKernelConnection> {
  const spec = findKernelSpec(options.kernelName ?? "hpcfit");
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(spec, options);
    } catch (error) {
      // The ports were free when picked, but another process (kernels started at the same moment
      // by the tasks of a sweep) may bind one before this kernel does: pick again.
      if (attempt >= PORT_RACE_ATTEMPTS || !(error instanceof Error) || !error.message.includes("Address already in use"))
        throw error;
    }
  }
}

/** How many times a kernel is started on fresh ports when one of them was taken meanwhile. */
const PORT_RACE_ATTEMPTS = 4;

async function startOnce(spec: KernelSpec, options: StartKernelOptions): Promise<ZmqKernelConnection> {
  const info: ConnectionInfo = {
    ...(await freeTcpConnection("127.0.0.1", randomBytes(32).toString("hex"))),
    kernel_name: spec.name,
  };
  const dir = createRunDir();
  const connectionFile = join(dir, "kernel.json");
  writeFileSync(connectionFile, JSON.stringify(info, null, 1), { mode: 0o600 });
  const argv = spec.argv.map((a) => a.replace("{connection_file}", connectionFile).replace("{resource_dir}", spec.resourceDir));
  const child = spawn(argv[0], argv.slice(1), {
    cwd: options.cwd,
    // A kernel that starts after this process died (killed while the kernel was being spawned)
    // can tell by this, and does not outlive it.
    env: { ...process.env, ...spec.env, ...options.env, [KERNEL_LAUNCHER_ENV]: String(process.pid) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Loaded here, not with the module: `import { notebooks } from "hpcfit"` in a kernel should not
  // bring ZeroMQ into the kernel's main thread unless a notebook is run.
  const { Dealer, Subscriber } = await import("zeromq");
  const connection = new ZmqKernelConnection(
    spec,
    info,
    child,
    dir,
    new Dealer({ linger: 0 }),
    new Dealer({ linger: 0 }),
    new Subscriber({ linger: 0 }),
  );
  try {
    await connection.waitReady((options.startTimeout ?? 60) * 1000);
  } catch (error) {
    await connection.shutdown();
    throw error;
  }
  return connection;
}

interface Pending {
  onIopub: (message: IopubMessage) => void;
  reply?: JSONDict;
  idle: boolean;
  resolve: (reply: JSONDict) => void;
}

/** A kernel process and the client sockets connected to it. */
export class ZmqKernelConnection implements KernelConnection {
  language = "";
  /** Rejects when the process exits before {@link shutdown}. */
  readonly died: Promise<never>;
  private readonly signer: MessageSigner;
  private readonly sender: SenderIdentity = { session: randomUUID(), username: userInfo().username };
  private readonly pending = new Map<string, Pending>();
  private stderrTail = "";
  private closing = false;
  private exited = false;

  constructor(
    readonly spec: KernelSpec,
    info: ConnectionInfo,
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly shell: zmq.Dealer,
    private readonly control: zmq.Dealer,
    private readonly iopub: zmq.Subscriber,
  ) {
    this.signer = new MessageSigner(info.key, info.signature_scheme);
    this.shell.routingId = this.sender.session;
    this.shell.connect(endpoint(info, info.shell_port));
    this.control.connect(endpoint(info, info.control_port));
    this.iopub.connect(endpoint(info, info.iopub_port));
    this.iopub.subscribe();
    const keepTail = (chunk: Buffer): void => {
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-4000);
    };
    child.stderr?.on("data", keepTail);
    child.stdout?.on("data", keepTail);
    this.died = new Promise<never>((_, reject) => {
      child.on("exit", (code, signal) => {
        this.exited = true;
        if (this.closing) return;
        const how = signal ? `signal ${signal}` : `exit status ${code}`;
        const tail = this.stderrTail.trim().split("\n").slice(-5).join("\n");
        reject(new UserError(`the kernel process died (${how})${tail ? `:\n${tail}` : ""}`));
      });
      child.on("error", (error) => {
        this.exited = true;
        reject(new UserError(`could not start the kernel (${spec.argv[0]}): ${error.message}`));
      });
    });
    this.died.catch(() => undefined);
    void this.readShell();
    void this.readIopub();
    void this.readControl();
  }

  /** Sends kernel_info requests until one is answered and iopub delivers, or the timeout passes. */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new UserError(`the kernel did not answer within --start-timeout ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    });
    try {
      for (let tries = 0; Date.now() < deadline; tries++) {
        // A reply proves shell works; its busy/idle on iopub proves the subscription is live
        // (a subscriber misses what was published before it connected, so the first request
        // often goes unseen on iopub: ask again soon, then less often).
        const attempt = this.request("kernel_info_request", {});
        const wait = Math.min(1000, 50 * 2 ** tries);
        const reply = await Promise.race([attempt.done, timeout, this.died, delay(wait).then(() => undefined)]);
        if (reply && attempt.sawIopub()) {
          const li = (reply.language_info ?? {}) as { name?: string };
          this.language = li.name ?? this.spec.language;
          return;
        }
      }
      throw new UserError(`the kernel did not answer within --start-timeout ${timeoutMs / 1000} s`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs `code`; resolves with the reply once the kernel is idle again. */
  async execute(code: string, onIopub: (message: IopubMessage) => void): Promise<ExecuteReply> {
    const { done } = this.request(
      "execute_request",
      { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
      onIopub,
    );
    const reply = await done;
    return {
      status: reply.status === "ok" ? "ok" : reply.status === "aborted" ? "aborted" : "error",
      ename: typeof reply.ename === "string" ? reply.ename : undefined,
      evalue: typeof reply.evalue === "string" ? reply.evalue : undefined,
      execution_count: typeof reply.execution_count === "number" ? reply.execution_count : undefined,
    };
  }

  /** Interrupts the running cell as the kernelspec says (a signal, or an interrupt_request). */
  async interrupt(): Promise<void> {
    if (this.spec.interruptMode === "signal") {
      this.child.kill("SIGINT");
      return;
    }
    await this.send(this.control, createMessage(this.sender, "interrupt_request", {}));
  }

  /** Asks the kernel to shut down, then makes sure the process is gone and the sockets closed. */
  async shutdown(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (!this.exited) {
      // A send waits for a connected peer, which a kernel that never started does not provide.
      const request = this.send(this.control, createMessage(this.sender, "shutdown_request", { restart: false })).catch(
        () => undefined,
      );
      await Promise.race([request, delay(1000)]);
      const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
      if (!this.exited && !(await Promise.race([exited.then(() => true), delay(5000).then(() => false)]))) {
        this.child.kill("SIGKILL");
        await Promise.race([exited, delay(2000)]);
      }
    }
    for (const socket of [this.shell, this.control, this.iopub]) socket.close();
    // A process the kernel started may outlive it holding these pipes: they must not keep this
    // process alive.
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private request(
    msgType: string,
    content: JSONDict,
    onIopub: (message: IopubMessage) => void = () => undefined,
  ): { done: Promise<JSONDict>; sawIopub: () => boolean } {
    const message = createMessage(this.sender, msgType, content);
    let seen = false;
    const done = new Promise<JSONDict>((resolve) => {
      this.pending.set(message.header.msg_id, {
        onIopub: (m) => {
          seen = true;
          onIopub(m);
        },
        idle: false,
        resolve,
      });
    });
    void this.send(this.shell, message);
    return { done, sawIopub: () => seen };
  }

  private async send(socket: zmq.Dealer, message: JupyterMessage): Promise<void> {
    await socket.send(serializeMessage(message, this.signer));
  }

  private finish(msgId: string, pending: Pending): void {
    if (pending.reply && pending.idle) {
      this.pending.delete(msgId);
      pending.resolve(pending.reply);
    }
  }

  private parse(frames: Buffer[]): JupyterMessage | undefined {
    try {
      return parseMessage(frames, this.signer);
    } catch {
      return undefined; // a frame we cannot read is not ours to act on
    }
  }

  /** The message in `frames` and the request it answers, when it is a readable reply to one of ours. */
  private answering(frames: Buffer[]): { message: JupyterMessage; parentId: string; pending: Pending } | undefined {
    const message = this.parse(frames);
    const parentId = message && "msg_id" in message.parent_header ? message.parent_header.msg_id : undefined;
    const pending = parentId ? this.pending.get(parentId) : undefined;
    return message && parentId && pending ? { message, parentId, pending } : undefined;
  }

  private async readShell(): Promise<void> {
    try {
      for await (const frames of this.shell) {
        const answer = this.answering(frames);
        if (answer === undefined) continue;
        const { message, parentId, pending } = answer;
        pending.reply = message.content;
        this.finish(parentId, pending);
      }
    } catch {
      // socket closed
    }
  }

  private async readControl(): Promise<void> {
    try {
      for await (const _ of this.control) {
        // Replies to shutdown/interrupt requests need no handling.
      }
    } catch {
      // socket closed
    }
  }

  private async readIopub(): Promise<void> {
    try {
      for await (const frames of this.iopub) {
        const answer = this.answering(frames);
        if (answer === undefined) continue;
        const { message, parentId, pending } = answer;
        if (message.header.msg_type === "status") {
          if (message.content.execution_state === "idle") {
            pending.idle = true;
            pending.onIopub({ msgType: "status", content: message.content });
            this.finish(parentId, pending);
          } else pending.onIopub({ msgType: "status", content: message.content });
          continue;
        }
        pending.onIopub({ msgType: message.header.msg_type, content: message.content });
      }
    } catch {
      // socket closed
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
