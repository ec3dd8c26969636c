/**
 * Drives the real hpcfit kernel from vitest through Python's jupyter_client (a real client we
 * did not write), via `jupyter_bridge.py`. Every message the kernel sends is validated against
 * the messaging-spec schemas in `schemas/`; a violation fails the call that received it.
 *
 * ```ts
 * const k = await startKernel();
 * const r = await k.execute("1+1");
 * r.result?.["text/plain"]; // "2"
 * await k.shutdown();
 * ```
 * Tests that start the kernel use the built `dist/`: build first (`npx tsc -p tsconfig.json`).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The project's Python, with jupyter_client. */
export const PYTHON = join(ROOT, ".venv", "bin", "python");

/** A message as the bridge returns it (dates as ISO strings, buffers base64). */
export interface WireMessage {
  header: { msg_id: string; msg_type: string; session: string; username: string; date: string; version: string };
  parent_header: { msg_id?: string; msg_type?: string };
  metadata: Record<string, unknown>;
  content: Record<string, any>;
  buffers?: string[];
  channel: string;
}

/** The outcome of one request: its reply and the iopub messages it caused (busy..idle). */
export interface RequestResult {
  msgId: string;
  reply: WireMessage | null;
  iopub: WireMessage[];
  stdinRequests: WireMessage[];
}

/** The outcome of one execute_request, with the usual questions answered. */
export interface ExecuteResult extends RequestResult {
  /** execute_reply content. */
  content: Record<string, any>;
  status: "ok" | "error" | "aborted";
  executionCount: number | null;
  /** The execute_result's data bundle, when there was one. */
  result?: Record<string, any>;
  /** iopub messages other than status and execute_input, in order. */
  outputs: WireMessage[];
  /** All stdout text, joined. */
  stdout: string;
  /** All stderr text, joined. */
  stderr: string;
  /** The error output's content, when the cell failed. */
  error?: { ename: string; evalue: string; traceback: string[] };
}

/** Options for {@link startKernel}. */
export interface StartKernelOptions {
  /**
   * Extra environment for the kernel (HPCFIT_DATA_DIR defaults to a fresh temp dir, and
   * HPCFIT_TYPECHECK to `off`: give `warn` or `strict` to test type checking).
   */
  env?: Record<string, string>;
  /** The kernel's working directory. */
  cwd?: string;
  /** Kernel name; `hpcfit` (installed into a temp prefix from dist/) by default. */
  kernelName?: string;
  /** Kernelspec directories to search; default: the temp prefix hpcfit was installed into. */
  kernelDirs?: string[];
  /** Fail calls on schema violations (default true). */
  strictSchemas?: boolean;
  /**
   * Interrupt the kernel every 2 ms (by SIGINT or interrupt_request) from the moment its heartbeat
   * answers until its first cell, `1+1`, has replied; {@link KernelClient.startInterrupts} tells how it went.
   */
  interruptDuringStart?: "signal" | "message";
  /**
   * Send SIGINT to the kernel's process group every 2 ms from the moment its process has run its
   * first JavaScript statement until its first cell, `1+1`, has replied;
   * {@link KernelClient.startSignals} tells how it went.
   */
  signalFromFirstStatement?: boolean;
}

/** What happened to a kernel interrupted, one way or another, while it started. */
export interface InterruptedStart<Reply> {
  /** Interrupts (SIGINTs or interrupt_requests) sent. */
  sent: number;
  /** The reply to the first cell, `1+1`. */
  executeReply: Reply;
  alive: boolean;
  exitCode: number | null;
}

/** What happened to a kernel signalled from its first statement on (see {@link StartKernelOptions.signalFromFirstStatement}). */
export interface StartSignals extends InterruptedStart<WireMessage | null> {
  /** From the process start to its first JavaScript statement, in ms (Node's own start-up, which no process can protect). */
  firstStatementMs: number;
  /** The reply to kernel_info, if one came. */
  kernelInfo: WireMessage | null;
}

/** What happened to a kernel interrupted while it started (see {@link StartKernelOptions.interruptDuringStart}). */
export interface StartInterrupts extends InterruptedStart<WireMessage> {
  /** Statuses of the interrupt_replies (message mode). */
  interruptReplies: string[];
}

/** The fields of {@link InterruptedStart} from the bridge's reply to a start under interrupts. */
function interruptedStart<Reply>(reply: {
  sent: number;
  execute_reply: Reply;
  alive: boolean;
  exit_code: number | null;
}): InterruptedStart<Reply> {
  return { sent: reply.sent, executeReply: reply.execute_reply, alive: reply.alive, exitCode: reply.exit_code };
}

/** One round of {@link KernelClient.interruptStorm}. */
export interface StormRound {
  status: "ok" | "error" | "aborted";
  /** The execute_result's text/plain. */
  result: string | null;
  /** The error's name when the cell failed. */
  ename: string | null;
  /** Statuses of the round's interrupt_replies (message mode). */
  interrupt_replies?: string[];
}

/** Options for {@link KernelClient.execute}. */
export interface ExecuteOptions {
  silent?: boolean;
  storeHistory?: boolean;
  allowStdin?: boolean;
  stopOnError?: boolean;
  userExpressions?: Record<string, string>;
  /** Answers to input requests, in order. */
  stdin?: string[];
  timeout?: number;
}

/** Thrown when the kernel sent a message that breaks the messaging spec. */
export class SchemaViolation extends Error {
  override readonly name = "SchemaViolation";
}

let installedPrefix: string | null = null;

/** Installs the kernelspec from dist/ into a temp prefix once per test process. */
export function installTempKernelspec(): string {
  if (installedPrefix) return installedPrefix;
  const prefix = mkdtempSync(join(tmpdir(), "hpcfit-kspec-"));
  const r = spawnSync(process.execPath, [join(ROOT, "dist", "cli", "main.js"), "install", "--prefix", prefix], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`hpcfit install failed (did you build?): ${r.stderr}`);
  installedPrefix = prefix;
  process.on("exit", () => rmSync(prefix, { recursive: true, force: true }));
  return prefix;
}

/** One kernel and the jupyter_client bridge that drives it. */
export class KernelClient {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private bridgeError = "";
  /** The kernel_info_reply received at start. */
  kernelInfo!: WireMessage;
  /** Milliseconds from process start to the first kernel_info_reply. */
  startupMs = 0;
  /** The kernel's process id (changes on restart). */
  pid = 0;
  /** How the interrupts sent while the kernel started went (only with `interruptDuringStart`). */
  startInterrupts?: StartInterrupts;
  /** Set when started with {@link StartKernelOptions.signalFromFirstStatement}. */
  startSignals?: StartSignals;
  /** The temp data dir given as HPCFIT_DATA_DIR (history lives here). */
  dataDir = "";

  /** Use {@link startKernel}. */
  constructor(
    private readonly bridge: ChildProcessWithoutNullStreams,
    private readonly strict: boolean,
  ) {
    const lines = createInterface({ input: bridge.stdout });
    lines.on("line", (line) => {
      let answer: any;
      try {
        answer = JSON.parse(line);
        // A large answer comes as the path of a file holding it (see the bridge's main loop).
        if (typeof answer.file === "string") {
          const file: string = answer.file;
          answer = JSON.parse(readFileSync(file, "utf8"));
          rmSync(file, { force: true });
        }
      } catch {
        this.bridgeError += line + "\n";
        return;
      }
      const w = this.waiting.get(answer.id);
      if (!w) return;
      this.waiting.delete(answer.id);
      if (!answer.ok) w.reject(new Error(`bridge ${answer.error}\n${answer.trace ?? ""}`));
      else if (this.strict && answer.schema_errors?.length) w.reject(new SchemaViolation(answer.schema_errors.join("\n")));
      else w.resolve(answer);
    });
    bridge.stderr.on("data", (d: Buffer) => (this.bridgeError = (this.bridgeError + d.toString()).slice(-20000)));
    bridge.on("exit", (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`bridge exited (${code}): ${this.bridgeError}`));
      this.waiting.clear();
    });
  }

  /** Sends one bridge command and returns its answer. */
  call(cmd: string, args: Record<string, unknown> = {}): Promise<any> {
    if (this.closed) return Promise.reject(new Error(`the kernel client is closed; cannot ${cmd}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.bridge.stdin.write(JSON.stringify({ id, cmd, ...args }) + "\n");
    });
  }

  /** Runs a cell and waits for its reply and idle status. */
  async execute(code: string, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    const a = await this.call("execute", this.executeArgs(code, options));
    return toExecuteResult(a);
  }

  /** Sends an execute_request without waiting; finish it with {@link waitExecute}. */
  async startExecute(code: string, options: ExecuteOptions = {}): Promise<string> {
    return (await this.call("execute", { ...this.executeArgs(code, options), wait: false })).msg_id;
  }

  /** Waits for the reply and idle status of an execute started with {@link startExecute}. */
  async waitExecute(msgId: string, options: { stdin?: string[]; timeout?: number } = {}): Promise<ExecuteResult> {
    const a = await this.call("wait", { msg_id: msgId, stdin: options.stdin, timeout: options.timeout ?? 30 });
    return toExecuteResult({ ...a, msg_id: msgId });
  }

  /** Sends any message type on shell or control and collects its reply and iopub messages. */
  async request(
    msgType: string,
    content: Record<string, unknown> = {},
    options: { channel?: "shell" | "control"; wantReply?: boolean; timeout?: number; buffers?: string[] } = {},
  ): Promise<RequestResult> {
    const a = await this.call("request", {
      msg_type: msgType,
      content,
      channel: options.channel ?? "shell",
      want_reply: options.wantReply ?? true,
      buffers: options.buffers,
      timeout: options.timeout ?? 30,
    });
    return { msgId: a.msg_id, reply: a.reply, iopub: a.iopub, stdinRequests: a.stdin_requests };
  }

  /**
   * Sends `count` hostile or broken messages built from `seed` to shell, control and stdin (see
   * the bridge's `cmd_fuzz`); returns how many of each kind were sent and how many messages came back.
   */
  async fuzz(seed: number, count: number): Promise<{ kinds: Record<string, number>; received: number }> {
    const a = await this.call("fuzz", { seed, count });
    return { kinds: a.kinds, received: a.received };
  }

  /** Sends any request on shell or control without waiting; finish it with {@link waitRequest}. */
  async startRequest(
    msgType: string,
    content: Record<string, unknown> = {},
    channel: "shell" | "control" = "shell",
  ): Promise<string> {
    return (await this.call("request", { msg_type: msgType, content, channel, wait: false })).msg_id;
  }

  /** Waits for the reply and idle status of a request started with {@link startRequest}. */
  async waitRequest(msgId: string, options: { timeout?: number } = {}): Promise<RequestResult> {
    const a = await this.call("wait", { msg_id: msgId, timeout: options.timeout ?? 30 });
    return { msgId, reply: a.reply, iopub: a.iopub, stdinRequests: a.stdin_requests };
  }

  /** iopub messages not caused by a request collected so far (timers, comms), waiting up to `timeout` s for `untilType`. */
  async iopub(options: { timeout?: number; untilType?: string; untilCount?: number } = {}): Promise<WireMessage[]> {
    return (
      await this.call("iopub", { timeout: options.timeout ?? 1, until_type: options.untilType, until_count: options.untilCount })
    ).iopub;
  }

  /** Interrupts: `signal` as Jupyter does for interrupt_mode signal (SIGINT), or `message` (interrupt_request on control). */
  async interrupt(mode: "signal" | "message" = "signal"): Promise<RequestResult | null> {
    const a = await this.call("interrupt", { mode });
    return mode === "message" ? { msgId: a.msg_id, reply: a.reply, iopub: a.iopub, stdinRequests: [] } : null;
  }

  /**
   * Runs `code` `rounds` times, each followed at once by `perRound` interrupts, all inside the
   * bridge so that the interrupts come back to back. Stops early if the kernel process ends.
   */
  async interruptStorm(options: {
    code?: string;
    rounds: number;
    perRound: number;
    mode: "signal" | "message";
    timeout?: number;
  }): Promise<{ outcomes: StormRound[]; alive: boolean; exitCode: number | null }> {
    const a = await this.call("interrupt_storm", {
      code: options.code ?? "1+1",
      rounds: options.rounds,
      per_round: options.perRound,
      mode: options.mode,
      timeout: options.timeout ?? 30,
    });
    return { outcomes: a.outcomes, alive: a.alive, exitCode: a.exit_code };
  }

  /** Sends the kernel process a signal by name. */
  async signal(name: string): Promise<void> {
    await this.call("signal", { name });
  }

  /**
   * Sends signal `name` to each thread of the kernel's interpreter process in turn (tgkill), `rounds`
   * times over (see the bridge's `cmd_signal_threads`).
   */
  async signalThreads(name: string, rounds: number): Promise<{ pid: number; sent: number; alive: boolean }> {
    const a = await this.call("signal_threads", { name, rounds });
    return { pid: a.pid, sent: a.sent, alive: a.alive };
  }

  /** Restarts the kernel as jupyter_client does (shutdown_request with restart, then a new process). */
  async restart(): Promise<void> {
    const a = await this.call("restart");
    this.pid = a.pid;
    this.kernelInfo = a.kernel_info;
  }

  /** Pings the heartbeat socket. */
  async heartbeat(timeoutMs = 1000): Promise<boolean> {
    return (await this.call("heartbeat", { timeout_ms: timeoutMs })).alive;
  }

  /** Whether the kernel process is alive. */
  async alive(): Promise<boolean> {
    return (await this.call("alive")).alive;
  }

  /** Resident memory of the kernel process in kB. */
  async rssKb(): Promise<number> {
    return (await this.call("memory")).rss_kb;
  }

  /** Sends raw frames to a channel's port from a fresh socket; returns frames received (base64). */
  async raw(channel: "shell" | "control", frames: Array<{ text: string } | { b64: string }>, waitMs = 500): Promise<string[]> {
    return (await this.call("raw", { channel, frames, wait_ms: waitMs })).received;
  }

  /**
   * Connects a fresh SUB socket to IOPub subscribed to `topic` and returns the first message it
   * receives (checked against the schemas) with its topic frames, or null when none came.
   */
  async subscribe(topic = "", timeoutMs = 5000): Promise<{ message: WireMessage | null; topic: string[] }> {
    const a = await this.call("subscribe", { topic, timeout_ms: timeoutMs });
    return { message: a.message, topic: a.topic ?? [] };
  }

  /** The client session's signature over four JSON frames (for hand-made raw messages). */
  async sign(
    header: object,
    parentHeader: object = {},
    metadata: object = {},
    content: object = {},
  ): Promise<{ signature: string; frames: string[] }> {
    return this.call("sign", { header, parent_header: parentHeader, metadata, content });
  }

  /** Asks the kernel to shut down and waits for its process to exit; ends the bridge. */
  async shutdown(options: { timeout?: number } = {}): Promise<{ reply: WireMessage; exited: boolean; exitCode: number | null }> {
    try {
      const a = await this.call("shutdown", { timeout: options.timeout ?? 10 });
      return { reply: a.reply, exited: a.exited, exitCode: a.exit_code };
    } finally {
      this.close();
    }
  }

  /** Kills the kernel (if still running) and the bridge. Safe to call twice. */
  async kill(): Promise<void> {
    if (!this.closed && this.bridge.exitCode === null && !this.bridge.killed) {
      await this.call("kill").catch(() => undefined);
      this.close();
    }
  }

  private closed = false;

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.bridge.stdin.end();
    setTimeout(() => this.bridge.kill("SIGKILL"), 5000).unref();
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  private executeArgs(code: string, o: ExecuteOptions): Record<string, unknown> {
    return {
      code,
      silent: o.silent ?? false,
      store_history: o.storeHistory ?? true,
      allow_stdin: o.allowStdin ?? o.stdin !== undefined,
      stop_on_error: o.stopOnError ?? true,
      user_expressions: o.userExpressions ?? {},
      stdin: o.stdin,
      timeout: o.timeout ?? 30,
    };
  }
}

function toExecuteResult(a: any): ExecuteResult {
  const iopub: WireMessage[] = a.iopub;
  const outputs = iopub.filter((m) => !["status", "execute_input"].includes(m.header.msg_type));
  const streams = (name: string) =>
    outputs
      .filter((m) => m.header.msg_type === "stream" && m.content.name === name)
      .map((m) => m.content.text)
      .join("");
  const result = outputs.find((m) => m.header.msg_type === "execute_result")?.content.data;
  const error = outputs.find((m) => m.header.msg_type === "error")?.content as ExecuteResult["error"];
  const content = a.reply?.content ?? {};
  return {
    msgId: a.msg_id,
    reply: a.reply,
    iopub,
    stdinRequests: a.stdin_requests ?? [],
    content,
    status: content.status,
    executionCount: content.execution_count ?? null,
    result,
    outputs,
    stdout: streams("stdout"),
    stderr: streams("stderr"),
    error,
  };
}

/** Starts an hpcfit kernel (or another, by kernelName) driven by jupyter_client. */
export async function startKernel(options: StartKernelOptions = {}): Promise<KernelClient> {
  const kernelName = options.kernelName ?? "hpcfit";
  const kernelDirs =
    options.kernelDirs ?? (kernelName === "hpcfit" ? [join(installTempKernelspec(), "share", "jupyter", "kernels")] : undefined);
  // Type checking off unless a test asks for it: a cell's type warnings arrive when its check
  // is done, before or after the cell's idle, and would otherwise mix into the outputs of tests
  // about other things (their cells need not be well-typed).
  const env: Record<string, string> = { HPCFIT_TYPECHECK: "off", ...options.env };
  let ownDataDir = "";
  if (!env.HPCFIT_DATA_DIR) env.HPCFIT_DATA_DIR = ownDataDir = mkdtempSync(join(tmpdir(), "hpcfit-data-"));
  const bridge = spawn(PYTHON, [join(ROOT, "test", "support", "jupyter_bridge.py")], { stdio: ["pipe", "pipe", "pipe"] });
  const client = new KernelClient(bridge, options.strictSchemas ?? true);
  client.dataDir = ownDataDir;
  try {
    const args = { kernel_name: kernelName, kernel_dirs: kernelDirs, env, cwd: options.cwd ?? ROOT };
    if (options.signalFromFirstStatement) {
      const a = await client.call("start_signalled", args);
      client.pid = a.pid;
      client.kernelInfo = a.kernel_info;
      client.startSignals = { ...interruptedStart(a), firstStatementMs: a.first_statement_ms, kernelInfo: a.kernel_info };
    } else if (options.interruptDuringStart) {
      const a = await client.call("start_interrupted", { ...args, mode: options.interruptDuringStart });
      client.kernelInfo = a.kernel_info;
      client.pid = a.pid;
      client.startInterrupts = { ...interruptedStart(a), interruptReplies: a.interrupt_replies };
    } else {
      const a = await client.call("start", args);
      client.kernelInfo = a.kernel_info;
      client.startupMs = a.startup_ms;
      client.pid = a.pid;
    }
  } catch (error) {
    await client.kill();
    throw error;
  }
  return client;
}
