/**
 * Stops JavaScript that keeps the main thread busy, from another thread, through the V8
 * inspector: pause the main thread, look at what it is running, and if that may be cut short,
 * terminate it (`Runtime.terminateExecution`, the same call DevTools uses) and resume.
 *
 * Termination unwinds the whole JavaScript stack without running `finally` blocks, and V8 drops
 * the microtasks still queued. That is harmless for a cell's code resumed from the microtask
 * queue, but Node's own callback machinery (timers, immediates, event emitters on streams) keeps
 * bookkeeping in `finally` blocks, and cutting it short makes Node abort the process. So a stack
 * that holds any `node:` frame, or any frame of the kernel's own code, is left running, and the
 * caller is told where it was.
 */
import { Session } from "node:inspector/promises";
import type { Debugger } from "node:inspector";
import { fileURLToPath } from "node:url";

/** What {@link MainThreadStopper.stop} did. */
export type StopOutcome =
  | { kind: "stopped"; where: string }
  | { kind: "refused"; where: string }
  /** The main thread ran no JavaScript when we looked (it had become free, or had answered). */
  | { kind: "idle" };

/** Frames of Node's own code that are safe to unwind: microtasks run from the tick queue. */
const SAFE_NODE_FRAMES = new Set(["processTicksAndRejections@node:internal/process/task_queues"]);

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
      const frames = event.callFrames.map((f) => ({
        name: f.functionName || "(anonymous)",
        url: f.url || urls.get(f.location.scriptId) || "",
        line: f.location.lineNumber + 1,
      }));
      if (answered()) return { kind: "idle" };
      const blocker = frames.find((f) => this.isProtected(f));
      if (blocker) return { kind: "refused", where: describe(blocker) };
      // Its answer comes only once the termination has happened, after the resume below.
      session.post("Runtime.terminateExecution").catch(() => undefined);
      return { kind: "stopped", where: frames.length > 0 ? describe(frames[0]) : "unknown code" };
    } finally {
      await session.post("Debugger.resume").catch(() => undefined);
    }
  }

  private isProtected(frame: Frame): boolean {
    if (frame.url.startsWith("node:")) return !SAFE_NODE_FRAMES.has(`${frame.name}@${frame.url}`);
    const { protectedUrls, unprotectedUrls } = this.policy;
    return protectedUrls.some((p) => frame.url.startsWith(p)) && !unprotectedUrls.some((p) => frame.url.startsWith(p));
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
