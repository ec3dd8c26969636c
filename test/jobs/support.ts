/**
 * Test harness for the jobs layer and the Slurm magics: a MagicContext that records what a
 * magic outputs (the protocol layer would turn these into iopub messages), and a fresh data
 * directory and work directory per test file.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelCommManager } from "../../kernel/comms/comm-manager.js";
import type { MimeBundle } from "../../schema/display.js";
import type { JSONObject } from "../../kernel/comms/types.js";
import { validateJobsServerMessage, type JobsServerMessage } from "../../schema/jobs.js";
import type { OutputSink } from "../../kernel/interpreter/types.js";
import { MagicRegistry } from "../../kernel/magics/registry.js";
import { registerSlurmMagics } from "../../magics/slurm/index.js";
import type { MagicContext } from "../../kernel/magics/types.js";

/** One recorded output of a magic. */
export type Recorded =
  | { kind: "stream"; name: "stdout" | "stderr"; text: string }
  | { kind: "display"; data: MimeBundle; displayId?: string; update?: boolean };

/** A MagicContext whose outputs land in `outputs`, with notebook variables from `vars`. */
export function recordingContext(
  vars: Record<string, unknown> = {},
): MagicContext & { outputs: Recorded[]; abort: AbortController } {
  const outputs: Recorded[] = [];
  const abort = new AbortController();
  const output: OutputSink = {
    stream: (name, text) => outputs.push({ kind: "stream", name, text }),
    display: (data, options) => outputs.push({ kind: "display", data, displayId: options?.displayId, update: options?.update }),
    clearOutput: () => undefined,
    input: () => Promise.reject(new Error("no stdin in these tests")),
  };
  return {
    outputs,
    abort,
    output,
    comms: new KernelCommManager(
      () => undefined,
      () => undefined,
    ),
    signal: abort.signal,
    getVariable: (name) => vars[name],
    hasVariable: (name) => name in vars,
    variableNames: () => Object.keys(vars),
  };
}

/** A registry with the Slurm magics. */
export function slurmRegistry(): MagicRegistry {
  const registry = new MagicRegistry();
  registerSlurmMagics(registry);
  return registry;
}

/** Fresh directories for a test file: job records (HPCFIT_DATA_DIR) and a working directory. */
export function freshDirs(): { data: string; work: string } {
  const data = mkdtempSync(join(tmpdir(), "hpcfit-jobs-data-"));
  const work = mkdtempSync(join(tmpdir(), "hpcfit-jobs-work-"));
  process.env.HPCFIT_DATA_DIR = data;
  process.chdir(work);
  return { data, work };
}

/** Text of every stdout stream output. */
export function stdoutOf(outputs: Recorded[]): string {
  return outputs
    .filter((o): o is Extract<Recorded, { kind: "stream" }> => o.kind === "stream" && o.name === "stdout")
    .map((o) => o.text)
    .join("");
}

/** A kernel comm manager for the jobs feed whose messages to the panel are kept and checked against the schema. */
export interface JobsFeedRecorder {
  comms: KernelCommManager;
  /** Every message the kernel sent on its comms (`comm_msg`, `comm_close`, ...), in order. */
  sent: { type: string; content: JSONObject }[];
  /** What the comm manager reported as errors. */
  errors: unknown[];
  /** The messages sent so far; throws on one the schema refuses. */
  messages: () => JobsServerMessage[];
  /** Waits until `find` returns a value (polling every 50 ms); on timeout says what the last `shown` messages were. */
  until: <T>(what: string, find: () => T | undefined, ms?: number) => Promise<T>;
}

/** A fresh {@link JobsFeedRecorder}; `shown` is how many of the last messages a timeout reports. */
export function jobsFeedRecorder(shown = 5): JobsFeedRecorder {
  const sent: { type: string; content: JSONObject }[] = [];
  const errors: unknown[] = [];
  const comms = new KernelCommManager(
    (msgType, content) => sent.push({ type: msgType, content }),
    (e) => errors.push(e),
  );
  const messages = (): JobsServerMessage[] =>
    sent
      .filter((s) => s.type === "comm_msg")
      .map(({ content }) => {
        const check = validateJobsServerMessage(content.data);
        if (!check.ok) throw new Error(`invalid message from the kernel: ${check.error}`);
        return check.value;
      });
  const until = async <T>(what: string, find: () => T | undefined, ms = 20_000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = find();
      if (v !== undefined) return v;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages().slice(-shown))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { comms, sent, errors, messages, until };
}
