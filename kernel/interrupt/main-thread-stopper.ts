/**
 * Stops JavaScript that keeps the main thread busy, from another thread, through the V8
 * inspector: pause the main thread, look at what it is running, and if that may be cut short,
 * terminate it (`Runtime.terminateExecution`, the same call DevTools uses) and resume.
 *
 * Termination unwinds the whole JavaScript stack without running `finally` blocks, and V8 drops
 * the microtasks still queued. Two things follow.
 * - A cell publishes its variables in `finally` blocks (see `cell-compiler.ts`), so before
 *   terminating, the stopper evaluates each cell frame's flush statements in that frame, which
 *   keeps the values the cell's variables had reached (see `CompiledCell.flush` for the one
 *   exception).
 * - Code run from the microtask checkpoint may be cut short, but Node's own callback machinery
 *   (timers, immediates, events on streams) keeps bookkeeping in `finally` blocks, and cutting
 *   it short makes Node abort the process; so does the kernel's own code. A stack that holds such
 *   a frame is left running, and the caller is told where it was.
 */
import { Session } from "node:inspector/promises";
import type { Debugger } from "node:inspector";
import { fileURLToPath } from "node:url";
import { HELPERS } from "../interpreter/magic-syntax.js";

/** What {@link MainThreadStopper.stop} did. */
export type StopOutcome =
  | { kind: "stopped"; where: string }
  | { kind: "refused"; where: string }
  /** The main thread ran no JavaScript when we looked (it had become free, or had answered). */
  | { kind: "idle" };

/**
 * Node's functions that run microtasks at a point where nothing is half done (outside any
 * callback's async-hooks scope). When the innermost `node:` frame is one of them, everything
 * above it came from the microtask queue, and the frames below may be unwound.
 */
const MICROTASK_RUNNERS = new Set([
  "processTicksAndRejections@node:internal/process/task_queues",
  "runNextTicks@node:internal/process/task_queues",
]);

/** A cell's own frame: its compiled function, under the file name every cell runs as. */
const isCellFrame = (frame: Frame): boolean => frame.name === "__hpcfit_cell" && /^<cell \d+>$/.test(frame.url);

/** How long to wait for the main thread to pause before concluding it runs no JavaScript. */
const PAUSE_TIMEOUT_MS = 1000;

/**
 * Protected code on top of the user's is usually brief (a `display()` call, a library callback
 * the kernel relays): look again this many times, this long apart, before giving up.
 */
const ATTEMPTS = 5;
const RETRY_MS = 40;

interface Frame {
  name: string;
  url: string;
  line: number;
  callFrameId: string;
}

/** Which code the stopper may cut short. */
export interface StopperPolicy {
  /** URL prefixes of code that must not be cut short (besides `node:`). */
  protectedUrls: readonly string[];
  /** URL prefixes inside those that may be cut short after all. */
  unprotectedUrls: readonly string[];
}

/** Stops the main thread's JavaScript through an inspector session opened only while stopping. */
export class MainThreadStopper {
  constructor(private readonly policy: StopperPolicy) {}

  /**
   * Pauses the main thread and terminates what it runs, unless that is protected code or
   * `answered()` says the main thread has meanwhile handled the interrupt itself.
   */
  async stop(answered: () => boolean): Promise<StopOutcome> {
    // A session left connected would make Node print "Waiting for the debugger to disconnect"
    // when the kernel exits.
    const session = new Session();
    session.connectToMainThread();
    // Frames name their script by id; the URLs arrive as scriptParsed events on enable.
    const urls = new Map<string, string>();
    session.on("Debugger.scriptParsed", (message: { params: Debugger.ScriptParsedEventDataType }) => {
      urls.set(message.params.scriptId, message.params.url);
    });
    try {
      await session.post("Debugger.enable");
      let outcome: StopOutcome = { kind: "idle" };
      for (let attempt = 0; attempt < ATTEMPTS && !answered(); attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        outcome = await this.attempt(session, urls, answered);
        if (outcome.kind !== "refused") break;
      }
      return outcome;
    } finally {
      // Disabling also cancels a pause that was asked for but never happened.
      await session.post("Debugger.disable").catch(() => undefined);
      session.disconnect();
    }
  }

  private async attempt(session: Session, urls: Map<string, string>, answered: () => boolean): Promise<StopOutcome> {
    const paused = new Promise<Debugger.PausedEventDataType | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), PAUSE_TIMEOUT_MS);
      session.once("Debugger.paused", (message: { params: Debugger.PausedEventDataType }) => {
        clearTimeout(timer);
        resolve(message.params);
      });
    });
    await session.post("Debugger.pause");
    const event = await paused;
    if (!event) return { kind: "idle" };
    try {
      const frames: Frame[] = event.callFrames.map((f) => ({
        name: f.functionName || "(anonymous)",
        url: f.url || urls.get(f.location.scriptId) || "",
        line: f.location.lineNumber + 1,
        callFrameId: f.callFrameId,
      }));
      if (answered()) return { kind: "idle" };
      const blocker = this.blocker(frames);
      if (blocker) return { kind: "refused", where: describe(blocker) };
      for (const frame of frames) if (isCellFrame(frame)) await flushCell(session, frame);
      // Its answer comes only once the termination has happened, after the resume below.
      session.post("Runtime.terminateExecution").catch(() => undefined);
      return { kind: "stopped", where: frames.length > 0 ? describe(frames[0]) : "unknown code" };
    } finally {
      await session.post("Debugger.resume").catch(() => undefined);
    }
  }

  /** The frame that forbids cutting this stack short, if any (frames run innermost first). */
  private blocker(frames: readonly Frame[]): Frame | undefined {
    const { protectedUrls, unprotectedUrls } = this.policy;
    const kernel = frames.find(
      (f) => protectedUrls.some((p) => f.url.startsWith(p)) && !unprotectedUrls.some((p) => f.url.startsWith(p)),
    );
    if (kernel) return kernel;
    const node = frames.find((f) => f.url.startsWith("node:"));
    return node && !MICROTASK_RUNNERS.has(`${node.name}@${node.url}`) ? node : undefined;
  }
}

/**
 * Publishes a cell's variables from its paused frame: reads the statements the compiler wrote for
 * it (`__hpcfit.flush`) and evaluates them there. A failure only loses those values.
 */
async function flushCell(session: Session, frame: Frame): Promise<void> {
  try {
    const { result } = await session.post("Debugger.evaluateOnCallFrame", {
      callFrameId: frame.callFrameId,
      expression: `${HELPERS}.flush`,
      returnByValue: true,
    });
    if (typeof result.value !== "string" || result.value === "") return;
    await session.post("Debugger.evaluateOnCallFrame", { callFrameId: frame.callFrameId, expression: result.value });
  } catch {
    // The frame is gone or has no helpers: nothing to keep.
  }
}

/** `name (file:line)` with a file URL shown as a path. */
function describe(frame: Frame): string {
  let where = frame.url || "<anonymous>";
  if (where.startsWith("file:")) {
    try {
      where = fileURLToPath(where);
    } catch {
      // keep the URL
    }
  }
  return `${frame.name} (${where}:${frame.line})`;
}
