/**
 * The kernel's interpreter process, run by the supervisor (`kernel/supervisor/`), which owns the
 * sockets: the protocol layer over a {@link SupervisorTransport}, the TypeScript interpreter loaded
 * at once in the background, and the supervisor's interrupt doorbell wired to interrupting the
 * running cell. The script the
 * supervisor starts (`cli/kernel-interpreter.ts`) calls {@link runKernel}.
 */
import { fileURLToPath } from "node:url";
import { ignoreBrokenStdio } from "./broken-stdio.js";
import type { CommManager } from "./comms/types.js";
import { listenForInterrupts, takeInterruptsFromDoorbell, type InterruptSubscription } from "./interrupt/index.js";
import { HistoryStore } from "./history/history-store.js";
import type { Interpreter } from "./interpreter/types.js";
import { KernelProtocol } from "./protocol/kernel-protocol.js";
import { INTERPRETER_START_VARIABLE, INTERRUPT_DOORBELL_FD, type InterpreterStart } from "./supervisor/messages.js";
import { SupervisorTransport } from "./transport/supervisor-transport.js";
import { packageVersion, userDataDir } from "../util/paths.js";

/** Makes the interpreter the kernel runs cells with. */
export type InterpreterFactory = (comms: CommManager) => Promise<Interpreter>;

/** How to run the interpreter process. */
export interface RunKernelOptions {
  /**
   * Makes the interpreter, called at once in the background (the supervisor answers kernel_info,
   * so loading never delays that reply). `hpcfit kernel` passes the TypeScript interpreter with the
   * default magics and the jobs feed; the kernel itself knows neither.
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

/** What the supervisor gave this process (and takes out of the environment cells see). */
function startData(): InterpreterStart {
  const raw = process.env[INTERPRETER_START_VARIABLE];
  delete process.env[INTERPRETER_START_VARIABLE];
  if (!raw) throw new Error("the interpreter process must be started by the kernel's supervisor (`hpcfit kernel`)");
  return JSON.parse(raw) as InterpreterStart;
}

/** How often the process checks that the supervisor that started it is still alive. */
const PARENT_POLL_MS = 1000;

/** Runs the interpreter process until a shutdown_request, SIGTERM or the supervisor's end. */
export function runKernel(options: RunKernelOptions): KernelProtocol {
  // Jupyter's interrupt_mode "signal" and our own interrupt_request both reach the supervisor,
  // which rings this process's doorbell: it is never sent SIGINT, and so starts none of Node's
  // SIGINT watchdogs, whose end leaves SIGINT to a handler that kills the process. A SIGINT sent
  // anyway (by a cell, or a user's `kill`) is heard by this listener, which interrupts. The
  // listener stays, so that Node's own SIGINT handling is never torn down when other listeners
  // come and go, e.g. one a cell adds and removes.
  // eslint-disable-next-line prefer-const -- set once the protocol exists, below; the listener must come first
  let interruptible: KernelProtocol | undefined;
  process.on("SIGINT", () => interruptible?.interrupt());
  takeInterruptsFromDoorbell(INTERRUPT_DOORBELL_FD);
  const { sender, executionCount } = startData();
  // Jobs started from the notebook (a fit from the Jobs panel's form, `hpcfit run` in a batch
  // script) find this installation's CLI through $HPCFIT even when `hpcfit` is not on PATH.
  process.env.HPCFIT ??= fileURLToPath(new URL("../cli/main.js", import.meta.url));
  const transport = new SupervisorTransport();

  let interrupts: InterruptSubscription | undefined;
  let stopping = false;
  const exit = process.exit.bind(process);
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    protocol.close();
    // Everything sent so far reaches the supervisor before it hears the code to end with.
    await transport.close(code);
    // The threads end before the process does: a thread torn down by exit() can abort it.
    await interrupts?.stop();
    exit(code);
  };
  // A cell that calls process.exit() asks the kernel to end, as `exit()` does in IPython: the cell
  // ends with an error saying so, its reply goes out, then the supervisor is told to end the
  // kernel with the code given (the process ending without telling it would count as a crash).
  process.exit = (code?: number | string | null) => {
    const status = Number(code ?? 0) || 0;
    setTimeout(() => void stop(status), 200);
    throw new Error(`process.exit(${status}) was called: the kernel is shutting down`);
  };

  const protocol = new KernelProtocol({
    transport,
    sender,
    version: packageVersion(),
    executionCount,
    createInterpreter: (comms) => {
      // The interrupt service's threads start with the interpreter.
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
  ignoreBrokenStdio();
  // The last line of defence: nothing a cell does may end the kernel.
  process.on("uncaughtException", (error) => log(`uncaught exception: ${error.stack ?? error.message}`));
  process.on("unhandledRejection", (reason) =>
    log(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`),
  );

  // The interpreter outlives no supervisor: its IPC channel closes when the supervisor ends, and
  // it is re-parented when the supervisor was killed.
  process.on("disconnect", () => void stop(0));
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop(0);
  }, PARENT_POLL_MS).unref();

  transport.ready();
  protocol.preload();
  return protocol;
}
