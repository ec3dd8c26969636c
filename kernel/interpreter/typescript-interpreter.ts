/**
 * The TypeScript interpreter: runs cells in one persistent scope on the kernel's main thread,
 * routes their output to the protocol layer's sink, and answers completion, inspection and
 * completeness questions.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import vm from "node:vm";
import { CELL_SIGNAL } from "../../schema/cell.js";
import { LIVE_DISPLAY, liveDisplayIdsOf, tellVariableName } from "../../schema/display.js";
import type { CommManager } from "../comms/types.js";
import { listenForInterrupts, signalTime, type StopReport } from "../interrupt/index.js";
import type { MagicRegistry } from "../magics/registry.js";
import type { MagicContext } from "../magics/types.js";
import { compileCell } from "./cell-compiler.js";
import { driveCell, type CellFunction, type InterruptibleWait } from "./cell-runner.js";
import { completeCode } from "./completion.js";
import { checkCompleteness } from "./completeness.js";
import { createDisplay, createInput, createLiveDisplayFactory, type DisplayTarget } from "./display-api.js";
import type { CellPositions } from "./cell-positions.js";
import { formatError, innermostCellFile, InterruptedError, type CellPositionMapper } from "./error-format.js";
import { inspectCode } from "./inspection.js";
import { rewriteMagics } from "./magic-syntax.js";
import { cellImportMeta, isTypeScriptUrl, resolveNotebookImport } from "./module-import.js";
import { OutputRouter } from "./output-router.js";
import { PersistentScope } from "./persistent-scope.js";
import { CellTypes } from "./type-service/cell-types.js";
import type {
  Completion,
  CompletenessVerdict,
  ExecuteOptions,
  ExecuteOutcome,
  Inspection,
  Interpreter,
  OutputSink,
} from "./types.js";
import { bundleOf } from "./value-format.js";
import { createWebDialogs } from "./web-dialogs.js";

/** What {@link TypeScriptInterpreter} needs from the kernel. */
export interface TypeScriptInterpreterOptions {
  /** The kernel's comms, handed to magics. */
  comms: CommManager;
  /** The `%` / `%%` commands cells may use. */
  magics: MagicRegistry;
  /**
   * The notebook's directory, where `import` resolves packages and relative files. Defaults to
   * the process's working directory; once `%cd` (or anything) changes that, the new one is used.
   */
  cwd?: string;
  /**
   * Install process-wide handlers: SIGINT (interrupts the running cell instead of killing the
   * process, see `kernel/interrupt/`) and uncaught exceptions / unhandled rejections (reported
   * on the last cell's stderr instead of killing the process). Default true; tests that share a
   * process may turn it off.
   */
  installProcessHandlers?: boolean;
  /**
   * Run the type service (typed completion and inspection, type warnings on cells) in a worker
   * thread. Default true.
   */
  types?: boolean;
}

/** One top-level `execute` in flight. */
class Run {
  readonly controller = new AbortController();
  readonly interrupted: Promise<never>;
  /** An interrupt that arrived before this moment was meant for something else (see {@link signalTime}). */
  readonly startedAt = signalTime();
  private rejectInterrupt!: (error: InterruptedError) => void;
  /** The display ids this run has shown, to know what is on screen already. */
  readonly displayIds = new Set<string>();
  /** The cell's outputs, noting the display ids they create. */
  readonly sink: OutputSink;

  constructor(
    sink: OutputSink,
    readonly options: ExecuteOptions,
  ) {
    const displayIds = this.displayIds;
    this.sink = {
      stream: (name, text) => sink.stream(name, text),
      display: (data, options) => {
        if (options?.displayId !== undefined && !options.update) displayIds.add(options.displayId);
        sink.display(data, options);
      },
      clearOutput: (wait) => sink.clearOutput(wait),
      input: (prompt, password) => sink.input(prompt, password),
    };
    this.interrupted = new Promise<never>((_, reject) => {
      this.rejectInterrupt = reject;
    });
    // Nobody may be waiting on it when the interrupt comes; that is not an unhandled rejection.
    this.interrupted.catch(() => undefined);
  }

  interrupt(at?: number): void {
    if (this.controller.signal.aborted || (at !== undefined && at < this.startedAt)) return;
    const error = new InterruptedError();
    this.controller.abort(error);
    this.rejectInterrupt(error);
    for (const reject of this.waiters) reject(error);
    this.waiters.clear();
  }

  private readonly waiters = new Set<(error: InterruptedError) => void>();

  /**
   * `value`, settling early with an InterruptedError on interrupt (see {@link InterruptibleWait}).
   * Unlike `Promise.race` with {@link interrupted}, this leaves nothing attached to the interrupt
   * once `value` settles, so a loop of a million awaits does not pile up reactions.
   */
  readonly race: InterruptibleWait = (value) => {
    if (this.controller.signal.aborted) throw this.controller.signal.reason as Error;
    if (typeof (value as { then?: unknown } | null | undefined)?.then !== "function") return value;
    return new Promise((resolve, reject) => {
      this.waiters.add(reject);
      (value as PromiseLike<unknown>).then(
        (v) => {
          this.waiters.delete(reject);
          resolve(v);
        },
        (e: unknown) => {
          this.waiters.delete(reject);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on exactly what the cell threw
          reject(e);
        },
      );
    });
  };
}

const global = globalThis as unknown as Record<string | symbol, unknown>;

/** How many cells' position maps the interpreter keeps for tracebacks. */
const MAX_REMEMBERED_CELLS = 500;

/** Runs TypeScript cells for the hpcfit kernel (see `kernel/interpreter/types.ts`). */
export class TypeScriptInterpreter implements Interpreter {
  private readonly comms: CommManager;
  private readonly magics: MagicRegistry;
  private readonly router = new OutputRouter();
  private readonly scope = new PersistentScope();
  private readonly initialDir: string | undefined;
  private readonly startDir = process.cwd();
  private running: Run | undefined;
  private lastRun: Run | undefined;
  private readonly disposers: Array<() => void> = [];
  /** Each cell's position map, for tracebacks (the newest few hundred cells). */
  private readonly positions = new Map<string, CellPositions>();
  /** The output of the cell each compiled cell file ran for, kept as long as its position map. */
  private readonly cellSinks = new Map<string, OutputSink>();
  /** Cells wait for this before their first run, so that SIGINT reaches busy code from the start. */
  private interruptsReady: Promise<void> = Promise.resolve();
  private readonly types: CellTypes | undefined;

  constructor(options: TypeScriptInterpreterOptions) {
    this.comms = options.comms;
    this.magics = options.magics;
    this.initialDir = options.cwd;
    this.router.install();
    this.disposers.push(() => this.router.uninstall());
    this.installGlobals();
    if (options.installProcessHandlers !== false) this.installProcessHandlers();
    if (options.types !== false) {
      const types = (this.types = new CellTypes(this.notebookDir));
      this.disposers.push(() => types.dispose());
    }
  }

  /** The directory imports resolve from: the notebook's, or wherever `%cd` went since. */
  get notebookDir(): string {
    const now = process.cwd();
    return this.initialDir !== undefined && now === this.startDir ? this.initialDir : now;
  }

  /** Names the notebook has declared, sorted. */
  variableNames(): string[] {
    return this.scope.names();
  }

  async execute(code: string, options: ExecuteOptions, sink: OutputSink): Promise<ExecuteOutcome> {
    if (!this.types || this.running) return this.executeCell(code, options, sink);
    return this.types.around(code, options, sink, () => this.executeCell(code, options, sink));
  }

  private async executeCell(code: string, options: ExecuteOptions, sink: OutputSink): Promise<ExecuteOutcome> {
    await this.interruptsReady;
    const run = new Run(sink, options);
    const outer = this.running;
    this.running = run;
    this.lastRun = run;
    this.router.setSink(sink);
    const target = this.displayTarget();
    global[LIVE_DISPLAY] = createLiveDisplayFactory(target);
    global[CELL_SIGNAL] = run.controller.signal;
    try {
      // The race matters when the stopper had to cut the cell's driver short: its promise then
      // never settles, and the interrupt ends the cell.
      const value = await Promise.race([this.runCode(code, run, `<cell ${options.executionCount}>`), run.interrupted]);
      if (value === undefined || options.silent) return { status: "ok" };
      // A value this cell already shows live (a submitted job) is not shown again, frozen.
      if (liveDisplayIdsOf(value).some((id) => run.displayIds.has(id))) return { status: "ok" };
      return { status: "ok", result: bundleOf(value) };
    } catch (error) {
      return { status: "error", ...formatError(error, this.toCell) };
    } finally {
      this.running = outer;
      if (!outer) delete global[LIVE_DISPLAY];
      if (outer) global[CELL_SIGNAL] = outer.controller.signal;
      else delete global[CELL_SIGNAL];
    }
  }

  interrupt(at?: number): void {
    this.running?.interrupt(at);
  }

  async complete(code: string, cursorPos: number): Promise<Completion> {
    const runtime = () => completeCode(code, cursorPos, { magics: this.magics, declared: this.scope.names() });
    return this.types ? this.types.complete(code, cursorPos, runtime) : runtime();
  }

  async inspect(code: string, cursorPos: number, detailLevel: 0 | 1): Promise<Inspection> {
    const runtime = () => inspectCode(code, cursorPos, detailLevel, { magics: this.magics });
    return this.types ? this.types.inspect(code, cursorPos, detailLevel, runtime) : runtime();
  }

  isComplete(code: string): CompletenessVerdict {
    return checkCompleteness(code);
  }

  /** Restores the process streams, console and handlers this interpreter replaced. */
  dispose(): void {
    this.running?.interrupt();
    while (this.disposers.length > 0) this.disposers.pop()!();
  }

  // ---- running code ----

  private async runCode(code: string, run: Run, filename: string): Promise<unknown> {
    const plan = rewriteMagics(code);
    if (plan.kind === "cell-magic") {
      return Promise.race([this.magics.run(plan.name, plan.args, this.magicContext(run, filename), plan.body), run.interrupted]);
    }
    const compiled = compileCell(plan.code);
    this.rememberPositions(filename, compiled.positions, run.sink);
    const script = new vm.Script(compiled.source, { filename, lineOffset: -1 });
    const fn = script.runInThisContext() as CellFunction;
    return driveCell(fn, this.helpers(run, filename, compiled.flush), compiled.mode, run.race);
  }

  /** The object compiled cells call as `__hpcfit` (see cell-compiler.ts). */
  private helpers(run: Run, filename: string, flush: string): object {
    const scope = this.scope;
    const notebookDir = () => this.notebookDir;
    const published = new Set<string>();
    return {
      def: (name: string, value: unknown) => {
        tellVariableName(value, name);
        published.add(name);
        scope.define(name, value);
      },
      // Read by the interrupt stopper in the cell's frame (see CompiledCell.flush).
      flush,
      // A cell is a module without a file: `import.meta` describes one in the notebook's directory.
      get importMeta() {
        return cellImportMeta(notebookDir(), filename);
      },
      published: (name: string) => published.has(name),
      acc: (name: string, get: () => unknown, set: (v: unknown) => void) => {
        tellVariableName(get(), name);
        scope.defineAccessor(name, get, set);
      },
      import: (specifier: unknown) => this.importModule(String(specifier)),
      defaultExport: (module: Record<string, unknown>) => ("default" in module ? module.default : module),
      namedExport: (module: Record<string, unknown>, name: string, specifier: string) => {
        if (name in module) return module[name];
        const fallback = module.default;
        if ((typeof fallback === "object" || typeof fallback === "function") && fallback !== null && name in fallback) {
          return (fallback as Record<string, unknown>)[name];
        }
        throw new SyntaxError(`The module "${specifier}" does not provide an export named "${name}"`);
      },
      // A magic called later from a closure runs in whatever cell is running then.
      magic: (name: string, args: string) => {
        const current = this.running ?? run;
        return this.magics.run(name, args, this.magicContext(current, filename));
      },
      magicHelp: (name: string) => {
        return this.magics.run(name, "?", this.magicContext(this.running ?? run, filename));
      },
    };
  }

  private magicContext(run: Run, filename: string): MagicContext {
    const scope = this.scope;
    return {
      output: run.sink,
      comms: this.comms,
      signal: run.controller.signal,
      getVariable: (name) => scope.get(name),
      hasVariable: (name) => scope.has(name),
      variableNames: () => scope.names(),
      run: (code) => this.runCode(code, run, filename),
    };
  }

  private async importModule(specifier: string): Promise<unknown> {
    const url = resolveNotebookImport(specifier, this.notebookDir);
    if (isTypeScriptUrl(url)) {
      const hooks = await import("../../util/typescript-hooks.js");
      hooks.registerTypeScriptHooks();
    }
    return import(url);
  }

  // ---- globals and process handlers ----

  private displayTarget(): DisplayTarget {
    return {
      sink: () => this.running?.sink ?? this.router.current,
      allowStdin: () => (this.running ?? this.lastRun)?.options.allowStdin ?? false,
    };
  }

  private installGlobals(): void {
    const target = this.displayTarget();
    const values: Record<string, unknown> = {
      display: createDisplay(target),
      input: createInput(target),
      ...createWebDialogs(target),
    };
    if (typeof global.require !== "function") {
      // CommonJS `require` from the notebook's directory, for packages without ES modules.
      // eslint-disable-next-line @typescript-eslint/no-unsafe-return -- a cell's require() returns whatever the module exports
      values.require = (id: string) => createRequire(join(this.notebookDir, "__notebook__.js"))(id);
    }
    for (const [name, value] of Object.entries(values)) {
      const previous = Object.getOwnPropertyDescriptor(global, name);
      Object.defineProperty(global, name, { value, writable: true, configurable: true, enumerable: false });
      this.disposers.push(() => {
        if (previous) Object.defineProperty(global, name, previous);
        else delete global[name];
      });
    }
  }

  /** Tracebacks give the cell's TypeScript columns (see cell-positions.ts). */
  private readonly toCell: CellPositionMapper = (cell, position) => this.positions.get(cell)?.toCell(position) ?? position;

  private rememberPositions(filename: string, positions: CellPositions, sink: OutputSink): void {
    this.positions.delete(filename);
    this.positions.set(filename, positions);
    this.cellSinks.delete(filename);
    this.cellSinks.set(filename, sink);
    // Functions from old cells may still throw; a few hundred maps of small cells cost little.
    if (this.positions.size > MAX_REMEMBERED_CELLS) {
      const oldest = this.positions.keys().next().value!;
      this.positions.delete(oldest);
      this.cellSinks.delete(oldest);
    }
  }

  /**
   * Shows an error that no cell caught (a throwing timer, an unhandled rejection) on the cell whose
   * code raised it (the innermost cell frame of its stack), which is the cell that scheduled it;
   * errors from outside any cell's code go to the running or last cell.
   */
  private reportUncaught(kind: string, error: unknown): void {
    const { traceback } = formatError(error, this.toCell);
    const text = `${kind}: ${traceback.join("\n")}\n`;
    const file = innermostCellFile(error);
    const sink = file === undefined ? undefined : this.cellSinks.get(file);
    if (!sink) {
      this.router.emit("stderr", text);
      return;
    }
    try {
      sink.stream("stderr", text);
    } catch {
      this.router.emit("stderr", text);
    }
  }

  /** Tells the user when an interrupt had to leave busy code running (see main-thread-stopper.ts). */
  private reportStop(report: StopReport): void {
    if (report.kind !== "refused") return;
    this.router.emit(
      "stderr",
      `The interrupt could not stop the code running in ${report.where}: it ran inside Node.js's own ` +
        `callback machinery (a timer, an event), and stopping it there would crash the kernel. ` +
        `It stopped when that code returned; if it never returns, restart the kernel.\n`,
    );
  }

  private installProcessHandlers(): void {
    const onError = (kind: string) => (error: unknown) => this.reportUncaught(kind, error);
    const onException = onError("Uncaught exception (from code that ran after its cell)");
    const onRejection = onError("Unhandled promise rejection");
    const interrupts = listenForInterrupts({
      onSigint: (at) => this.interrupt(at),
      onStopReport: (report) => this.reportStop(report),
    });
    this.interruptsReady = interrupts.ready;
    process.on("uncaughtException", onException);
    process.on("unhandledRejection", onRejection);
    this.disposers.push(() => {
      void interrupts.stop();
      process.off("uncaughtException", onException);
      process.off("unhandledRejection", onRejection);
    });
  }
}
