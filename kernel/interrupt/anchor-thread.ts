/**
 * The main thread's handle on the SIGINT anchor (`sigint-anchor.ts`): makes the pipe it blocks
 * on, starts it, and releases it when the interrupt service closes or the process exits.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmdirSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { AnchorData, AnchorReady } from "./messages.js";

/** A running anchor. */
export interface AnchorThread {
  /** Resolves once the anchor holds its watchdog (or has failed: the service then goes on without it). */
  ready: Promise<void>;
  /** Ends the anchor's read and waits for its thread to end. */
  release(): Promise<void>;
}

/**
 * Starts the anchor from `script`; `log` hears why it could not be. Without an anchor a burst of
 * SIGINTs can still end the process, so that is worth a line on the kernel's stderr.
 */
export function startAnchor(script: URL, log: (text: string) => void): AnchorThread | undefined {
  let fd: number;
  try {
    fd = openPipe();
  } catch (error) {
    log(`no SIGINT anchor (${(error as Error).message}): a burst of interrupts may end the kernel`);
    return undefined;
  }
  const data: AnchorData = { fd };
  const worker = new Worker(script, { workerData: data });
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  let released = false;
  // The process cannot exit while a thread blocks in a read: whatever the way out, end it first.
  const wake = (): void => {
    if (released) return;
    released = true;
    writeSync(fd, Buffer.from([1]));
  };
  process.once("exit", wake);
  const ready = new Promise<void>((resolve) => {
    worker.once("message", (_: AnchorReady) => resolve());
    worker.once("error", (error) => {
      log(`the SIGINT anchor failed (${error.message}): a burst of interrupts may end the kernel`);
      resolve();
    });
    worker.once("exit", () => resolve());
  });
  return {
    ready,
    release: async () => {
      process.off("exit", wake);
      wake();
      await exited;
      closeSync(fd);
    },
  };
}

/**
 * A pipe open for both reading and writing, as one descriptor the threads of this process share:
 * a named pipe, opened and then unlinked at once so that nothing is left on disk.
 */
function openPipe(): number {
  const dir = mkdtempSync(join(tmpdir(), "hpcfit-sigint-"));
  const path = join(dir, "anchor");
  try {
    execFileSync("mkfifo", ["-m", "600", path], { stdio: "ignore" });
    // Opening a named pipe for reading and writing does not wait for a peer (Linux, BSD, macOS).
    return openSync(path, "r+");
  } finally {
    // Removed without a stat (not rmSync): Node's synchronous stats share one buffer, and
    // fs.realpathSync, which the module loader uses, reads a pipe's type left there as the end of
    // the path. Module paths through a symlinked node_modules then stay unresolved, and a package
    // imported that way loads a second time, half-initialised.
    try {
      unlinkSync(path);
    } catch {
      // mkfifo failed: there is no pipe to remove.
    }
    rmdirSync(dir);
  }
}
