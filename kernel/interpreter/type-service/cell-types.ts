/**
 * Types for the interpreter: typed completion and inspection with the runtime's answers as the
 * fallback (for values typed `any`, magics, and while the type service is unavailable), and each
 * cell's type errors shown as warnings, or as errors that stop it (see typecheck-mode.ts).
 */
import type { Completion, ExecuteOptions, ExecuteOutcome, Inspection, OutputSink } from "../types.js";
import { codePointsToUtf16, utf16ToCodePoints } from "../unicode-offsets.js";
import { formatDiagnostics } from "./diagnostic-format.js";
import type { CellDiagnostic } from "./notebook-language-service.js";
import { TypeService } from "./type-service.js";
import { typeCheckMode } from "./typecheck-mode.js";

/**
 * How long completion and inspection wait for the type service before answering from runtime
 * values alone: longer for the first answer, while the service loads lib, Node's and hpcfit's
 * declarations (seconds on a loaded machine), then shorter (it may be checking a long cell).
 */
const FIRST_ANSWER_TIMEOUT_MS = 15_000;
const QUESTION_TIMEOUT_MS = 3000;

/** One entry of `_jupyter_types_experimental`. */
interface TypedMatch {
  start: number;
  end: number;
  text: string;
  type: string;
  signature?: string;
}

/** The interpreter's typed side. */
export class CellTypes {
  private readonly service: TypeService;
  /** True once the service has answered a question: it is loaded. */
  private answered = false;
  /**
   * A completion or inspection question timed out and has not been answered since: the service
   * is behind its questions, and those that come meanwhile are answered from runtime values at
   * once rather than each waiting out the timeout behind it.
   */
  private behind = false;

  /** Prepares the type service for a notebook in `notebookDir`; its thread starts when first needed. */
  constructor(notebookDir: string) {
    this.service = new TypeService(notebookDir);
  }

  /** Stops the type service. */
  dispose(): void {
    this.service.dispose();
  }

  /**
   * Runs a cell through `run` with type checking beside it. In `warn` mode the cell starts at
   * once and is never held up by the check, which runs in the type service's thread: its
   * warnings go to `sink` whenever they come, while the cell runs or after its reply (a
   * frontend's cell keeps listening to its request's outputs, as it does for a timer's). In
   * strict mode the cell runs only without type errors. Silent and unstored executions (user
   * expressions) are neither checked nor remembered.
   */
  async around(
    code: string,
    options: ExecuteOptions,
    sink: OutputSink,
    run: () => Promise<ExecuteOutcome>,
  ): Promise<ExecuteOutcome> {
    if (options.silent || !options.storeHistory) return run();
    const mode = typeCheckMode();
    if (mode === "off") {
      // Remembered for the types of later cells; a service not yet started gets it when it starts.
      this.service.ask({ kind: "commit", code }).catch(() => undefined);
      return run();
    }
    if (mode === "strict") {
      this.service.start();
      // A service that fails or does not answer in time leaves the cell unchecked, not stuck.
      const diagnostics: CellDiagnostic[] = (await this.within(this.service.ask({ kind: "check", code, commit: false }))) ?? [];
      if (diagnostics.length > 0) {
        const count = diagnostics.length;
        return {
          status: "error",
          ename: "TypeCheckError",
          evalue: `${count} type error${count > 1 ? "s" : ""}: the cell did not run (\`%typecheck warn\` runs such cells anyway)`,
          traceback: [formatDiagnostics(diagnostics, "error").trimEnd()],
        };
      }
      this.service.ask({ kind: "commit", code }).catch(() => undefined);
      return run();
    }
    this.service.ask({ kind: "check", code, commit: true }).then(
      (diagnostics) => {
        this.answered = true;
        if (diagnostics.length > 0) sink.stream("stderr", formatDiagnostics(diagnostics, "warning"));
      },
      () => undefined,
    );
    if (this.service.started) return run();
    try {
      return await run();
    } finally {
      // The first checked cell starts the service once its reply is on its way: loading
      // TypeScript and the declarations takes a thread's second or two, and memory.
      setImmediate(() => this.service.start());
    }
  }

  /**
   * Typed completion of `code` at `cursorPos` (code points); `runtime` is asked when the types
   * know nothing there, and its notebook names are added to typed name completions.
   */
  async complete(code: string, cursorPos: number, runtime: () => Completion): Promise<Completion> {
    const cursor = codePointsToUtf16(code, cursorPos);
    const line = code.slice(code.lastIndexOf("\n", cursor - 1) + 1, cursor);
    if (/^\s*%/.test(line)) return runtime();
    if (this.behind) return runtime();
    this.service.start();
    const typed = await this.question(this.service.ask({ kind: "complete", code, cursor }));
    if (!typed || typed.items.length === 0) return runtime();
    const start = utf16ToCodePoints(code, typed.start);
    const end = utf16ToCodePoints(code, typed.end);
    const entries: TypedMatch[] = typed.items.map((item) => ({
      start,
      end,
      text: item.text,
      type: item.type,
      ...(item.signature ? { signature: item.signature } : {}),
    }));
    if (!typed.member) {
      // Names only the runtime knows (made by a magic, or before the service started).
      const fallback = runtime();
      if (fallback.cursorStart === start) {
        const known = new Set(entries.map((e) => e.text));
        for (const text of fallback.matches) if (!known.has(text)) entries.push({ start, end, text, type: "instance" });
      }
    }
    return {
      matches: entries.map((e) => e.text),
      cursorStart: start,
      cursorEnd: end,
      metadata: { _jupyter_types_experimental: entries },
    };
  }

  /** Typed inspection at `cursorPos` (code points), or `runtime`'s when the types know nothing useful. */
  async inspect(code: string, cursorPos: number, detailLevel: 0 | 1, runtime: () => Inspection): Promise<Inspection> {
    const cursor = codePointsToUtf16(code, cursorPos);
    const around = /[%\w$]*$/.exec(code.slice(0, cursor))?.[0] ?? "";
    if (around.startsWith("%")) return runtime();
    if (this.behind) return runtime();
    this.service.start();
    const text = await this.question(this.service.ask({ kind: "inspect", code, cursor, detailLevel }));
    // `any` says nothing: the runtime value says more.
    if (!text || /:\s*any$/.test(text.split("\n", 1)[0])) return runtime();
    return { found: true, data: { "text/plain": text }, metadata: {} };
  }

  /**
   * A completion or inspection answer, or `undefined` when it does not come in time. A question
   * that times out is withdrawn with all before it, and the service counts as behind until it
   * answers it (at once, now that it is withdrawn, once the service gets to it).
   */
  private async question<T>(answer: Promise<T>): Promise<T | undefined> {
    let settled = false;
    answer.then(
      () => (settled = true),
      () => (settled = true),
    );
    const value = await this.within(answer);
    if (value === undefined && !settled) {
      this.service.withdrawQuestions();
      this.behind = true;
      const caughtUp = (): void => {
        this.behind = false;
      };
      answer.then(caughtUp, caughtUp);
    }
    return value;
  }

  private async within<T>(answer: Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const wait = this.answered ? QUESTION_TIMEOUT_MS : FIRST_ANSWER_TIMEOUT_MS;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), wait)));
    answer.then(
      () => (this.answered = true),
      () => undefined,
    );
    try {
      return await Promise.race([answer, timeout]);
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
