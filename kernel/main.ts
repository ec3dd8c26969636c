/**
 * The kernel process: binds the sockets (in a worker thread), answers kernel_info at once, loads
 * the TypeScript interpreter in the background, and wires SIGINT to interrupting the running
 * cell. `hpcfit kernel -f CONNECTION_FILE` calls {@link runKernel}.
 */
import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import { fileURLToPath } from "node:url";
import type { CommManager } from "./comms/types.js";
import { listenForInterrupts, type InterruptSubscription } from "./interrupt/index.js";
import { HistoryStore } from "./history/history-store.js";
import type { Interpreter } from "./interpreter/types.js";
import { KernelProtocol } from "./protocol/kernel-protocol.js";
import { readConnectionFile } from "../jupyter/connection-file.js";
import type { SenderIdentity } from "../jupyter/message.js";
import { WorkerTransport } from "./transport/worker-transport.js";
import { packageVersion, userDataDir } from "../util/paths.js";

/** Makes the interpreter the kernel runs cells with. */
export type InterpreterFactory = (comms: CommManager) => Promise<Interpreter>;

/** How to run a kernel. */
export interface RunKernelOptions {
  /** Path of the connection file written by the Jupyter client. */
  connectionFile: string;
  /**
   * Makes the interpreter, called once the first kernel_info_reply is out (so that loading the
   * transpiler never delays it). `hpcfit kernel` passes the TypeScript interpreter with the default
   * magics and the jobs feed; the kernel itself knows neither.
   */
  createInterpreter: InterpreterFactory;
}

/**
 * Where the kernel's comm registry is published for code running in cells and libraries that
 * must not import the kernel (as `Symbol.for("hpcfit.liveDisplay")` is for live displays):
 * `(globalThis as any)[Symbol.for("hpcfit.comms")] as CommManager`.
 */
export const COMMS_GLOBAL: unique symbol = Symbol.for("hpcfit.comms") as never;

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

/**
 * Delay before the interpreter loads if no client asked for kernel_info first (normally the
 * first kernel_info_reply triggers the load, so that loading never delays that reply).
 */
const PRELOAD_AFTER_MS = 1000;

/** How often the kernel checks that the process that started it is still alive. */
const PARENT_POLL_MS = 1000;

/** Runs the kernel until a shutdown_request (or SIGTERM); resolves once the sockets are bound. */
export async function runKernel(options: RunKernelOptions): Promise<KernelProtocol> {
  // Jupyter's interrupt_mode "signal" and our own interrupt_request both arrive as SIGINT, and a
  // client may send one as soon as the process exists: this listener comes first, before anything
  // can deliver a signal. Until the interrupt service runs, it hears SIGINT (and keeps Node from
  // exiting on it); after, the service's watcher does. The listener stays, so that Node's own
  // SIGINT handling is never torn down when other listeners come and go, e.g. one a cell adds and
  // removes.
  // eslint-disable-next-line prefer-const -- set once the protocol exists, below; the listener must come first
  let interruptible: KernelProtocol | undefined;
  process.on("SIGINT", () => interruptible?.interrupt());
  const connection = readConnectionFile(options.connectionFile);
  // Jobs started from the notebook (a fit from the Jobs panel's form, `hpcfit run` in a batch
  // script) find this installation's CLI through $HPCFIT even when `hpcfit` is not on PATH.
  process.env.HPCFIT ??= fileURLToPath(new URL("../cli/main.js", import.meta.url));
  const sender: SenderIdentity = { session: randomUUID(), username: username() };
  const transport = new WorkerTransport(connection, sender);

  let interrupts: InterruptSubscription | undefined;
  let stopping = false;
  const exit = process.exit.bind(process);
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    protocol.close();
    await transport.close();
    // The threads end before the process does: a thread torn down by exit() can abort it. The
    // interrupt threads end last, so that SIGINT is theirs for as long as possible.
    await interrupts?.stop();
    exit(code);
  };
  // A cell that calls process.exit() asks the kernel to end, as `exit()` does in IPython: the cell
  // ends with an error saying so, its reply goes out, then the sockets close and the process
  // exits with the code given. Exiting at once would tear the socket thread down mid-send.
  process.exit = (code?: number | string | null) => {
    const status = Number(code ?? 0) || 0;
    setTimeout(() => void stop(status), 200);
    throw new Error(`process.exit(${status}) was called: the kernel is shutting down`);
  };

  const protocol = new KernelProtocol({
    transport,
    sender,
    version: packageVersion(),
    createInterpreter: (comms) => {
      // The interrupt service's threads start with the interpreter, after the first
      // kernel_info_reply, so that they do not slow the kernel's start.
      interrupts ??= listenForInterrupts({ onSigint: (at) => protocol.interrupt(at) });
      return options.createInterpreter(comms);
    },
    openHistory: () => new HistoryStore(userDataDir()),
    onShutdown: () => void stop(0),
    log,
  });

  interruptible = protocol;
  (globalThis as Record<symbol, unknown>)[COMMS_GLOBAL] = protocol.comms;

  process.on("SIGTERM", () => void stop(0));
  // The last line of defence: nothing a cell does may end the kernel.
  process.on("uncaughtException", (error) => log(`uncaught exception: ${error.stack ?? error.message}`));
  process.on("unhandledRejection", (reason) =>
    log(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`),
  );

  // A kernel outlives nobody: when the process that started it (a Jupyter server, `hpcfit run`)
  // dies without shutting it down, the kernel is re-parented, and then it shuts itself down.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop(0);
  }, PARENT_POLL_MS).unref();

  await transport.started();
  protocol.announce();
  setTimeout(() => protocol.preload(), PRELOAD_AFTER_MS).unref();
  return protocol;
}
