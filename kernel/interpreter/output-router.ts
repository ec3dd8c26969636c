/**
 * Routes everything the process writes to stdout and stderr (console.*, process.stdout.write,
 * libraries) into the current cell's output sink. Output that comes after its cell ended, from a
 * timer or a promise, goes to the most recent sink, as ipykernel does. Before the first cell,
 * writes pass through to the real streams.
 */
import { Console } from "node:console";
import { StringDecoder } from "node:string_decoder";
import type { OutputSink } from "./types.js";

type WriteFn = typeof process.stdout.write;

/** Lines the kernel logs about itself start with this; they stay on the process's real stderr. */
export const KERNEL_LOG_PREFIX = "[hpcfit kernel]";

/** Installs and removes the stdout/stderr redirection; one per interpreter. */
export class OutputRouter {
  private sink: OutputSink | undefined;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- the originals are put back as they were, unbound, as Node stored them
  private readonly originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  private readonly originalConsole = globalThis.console;
  private readonly decoders = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
  private installed = false;

  /** The sink that receives output now (the running cell's, or the last cell's). */
  get current(): OutputSink | undefined {
    return this.sink;
  }

  /** Makes `sink` the destination of all output from now on. */
  setSink(sink: OutputSink): void {
    this.sink = sink;
  }

  /** Replaces `process.stdout.write`, `process.stderr.write` and the global console. */
  install(): void {
    if (this.installed) return;
    this.installed = true;
    process.stdout.write = this.makeWrite("stdout");
    process.stderr.write = this.makeWrite("stderr");
    // A console of our own so that objects are formatted without ANSI colours whatever the
    // real streams are; it writes through the (redirected) process streams.
    globalThis.console = new Console({ stdout: process.stdout, stderr: process.stderr, colorMode: false });
  }

  /** Restores the real streams and console. */
  uninstall(): void {
    if (!this.installed) return;
    this.installed = false;
    process.stdout.write = this.originals.stdout;
    process.stderr.write = this.originals.stderr;
    globalThis.console = this.originalConsole;
  }

  /** Writes to the real stderr, bypassing the notebook (for the kernel's own diagnostics). */
  writeRealStderr(text: string): void {
    this.originals.stderr.call(process.stderr, text);
  }

  /**
   * Sends text to the current sink's stream, or to the real stream when there is no sink yet.
   * A stderr write starting with {@link KERNEL_LOG_PREFIX} is the kernel's own diagnostic, not
   * the notebook's output, and goes to the real stderr.
   */
  emit(name: "stdout" | "stderr", text: string): void {
    if (text.length === 0) return;
    const sink = this.sink;
    if (!sink || (name === "stderr" && text.startsWith(KERNEL_LOG_PREFIX))) {
      this.originals[name].call(name === "stdout" ? process.stdout : process.stderr, text);
      return;
    }
    try {
      sink.stream(name, text);
    } catch (error) {
      // A broken sink must not turn a print into a crash; say so where someone can see it.
      this.writeRealStderr(`hpcfit: output lost (${error instanceof Error ? error.message : String(error)}): ${text}`);
    }
  }

  private makeWrite(name: "stdout" | "stderr"): WriteFn {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the replacement write() is called with the stream as `this`; the router is needed beside it
    const router = this;
    const write = function (chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
      const done = typeof encoding === "function" ? encoding : callback;
      let text: string;
      if (typeof chunk === "string") text = chunk;
      else if (chunk instanceof Uint8Array)
        text = router.decoders[name].write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      else text = String(chunk);
      router.emit(name, text);
      if (typeof done === "function") process.nextTick(done);
      return true;
    };
    return write;
  }
}
