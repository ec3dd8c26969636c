/**
 * Helpers for the interpreter tests: a sink that records what a cell sends, and a small driver
 * that runs cells on a real TypeScriptInterpreter (no sockets).
 */
import { KernelCommManager } from "../../kernel/comms/comm-manager.js";
import { TypeScriptInterpreter } from "../../kernel/interpreter/index.js";
import type { ExecuteOutcome, OutputSink } from "../../kernel/interpreter/types.js";
import type { MimeBundle } from "../../schema/display.js";
import { MagicRegistry } from "../../kernel/magics/registry.js";
import { registerDefaultMagics } from "../../magics/all.js";

/** One recorded output. */
export type Recorded =
  | { kind: "stream"; name: "stdout" | "stderr"; text: string }
  | { kind: "display"; data: MimeBundle; displayId?: string; update: boolean }
  | { kind: "clear"; wait: boolean };

/** A sink that records every output, and answers input requests from a queue. */
export class RecordingSink implements OutputSink {
  readonly outputs: Recorded[] = [];
  readonly answers: string[] = [];
  readonly prompts: Array<{ prompt: string; password: boolean }> = [];
  stream(name: "stdout" | "stderr", text: string): void {
    this.outputs.push({ kind: "stream", name, text });
  }
  display(data: MimeBundle, options?: { displayId?: string; update?: boolean }): void {
    this.outputs.push({ kind: "display", data, displayId: options?.displayId, update: options?.update ?? false });
  }
  clearOutput(wait: boolean): void {
    this.outputs.push({ kind: "clear", wait });
  }
  async input(prompt: string, password: boolean): Promise<string> {
    this.prompts.push({ prompt, password });
    const answer = this.answers.shift();
    if (answer === undefined) throw new Error("no answer queued");
    return answer;
  }
  /** All text sent to one stream, joined. */
  text(name: "stdout" | "stderr" = "stdout"): string {
    return this.outputs.flatMap((o) => (o.kind === "stream" && o.name === name ? [o.text] : [])).join("");
  }
}

/** A cell's outcome plus what it sent. */
export type CellRun = ExecuteOutcome & { sink: RecordingSink; plain?: string };

/** A real interpreter with the default magics, and a helper to run cells on it. */
export function makeInterpreter(options: { cwd?: string; installProcessHandlers?: boolean } = {}) {
  const magics = new MagicRegistry();
  registerDefaultMagics(magics);
  const interpreter = new TypeScriptInterpreter({
    comms: new KernelCommManager(
      () => undefined,
      () => undefined,
    ),
    magics,
    ...options,
  });
  let count = 0;
  const run = async (code: string, sink = new RecordingSink(), allowStdin = false): Promise<CellRun> => {
    const outcome = await interpreter.execute(
      code,
      { silent: false, storeHistory: true, allowStdin, executionCount: ++count },
      sink,
    );
    const plain = outcome.status === "ok" ? (outcome.result?.["text/plain"] as string | undefined) : undefined;
    return { ...outcome, sink, plain };
  };
  return {
    interpreter,
    magics,
    run,
    get count() {
      return count;
    },
  };
}
