/**
 * Loading a model file: a TypeScript (or JavaScript) module that exports a fit problem, like a
 * bumps model script. `hpcfit fit model.ts`, the `%%fit` magic and the parallel workers all load
 * models through {@link loadModelFile}, so they accept the same files and fail with the same
 * messages. A model that is fitted to a data file named when it is run (`hpcfit fit model.ts
 * --data run.txt`) exports a function of the data instead: `export default (data: DataTable) =>
 * new FitProblem(...)`, called with what {@link readData} reads from the file.
 */
import { existsSync, statSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import type { Problem } from "../types.js";
import { registerTypeScriptHooks } from "../../util/typescript-hooks.js";
import { UserError } from "../../util/user-error.js";
import { readData, type DataTable } from "./read-data.js";

/** A model file that could not be loaded; the message names the file (and line when known). */
export class ModelFileError extends UserError {
  /** Absolute path of the model file. */
  readonly file: string;
  /** 1-based line of the error in `file`, when known. */
  readonly line?: number;
  /** 1-based column of the error in `file`, when known. */
  readonly column?: number;

  /**
   * @param message the whole message (it already names the file)
   * @param file the model file
   * @param where line and column when known, and the underlying error
   */
  constructor(message: string, file: string, where: { line?: number; column?: number; cause?: unknown } = {}) {
    super(message, where.cause === undefined ? undefined : { cause: where.cause });
    this.name = "ModelFileError";
    this.file = file;
    this.line = where.line;
    this.column = where.column;
  }
}

/** A loaded model file. */
export interface LoadedModel {
  /** The fit problem the file exports (named export `problem`, else the default export), or makes from the data. */
  problem: Problem;
  /** The data the problem was made from, when the model is a function of a data file. */
  data?: DataTable;
  /** The module's namespace (all its exports). */
  module: Record<string, unknown>;
  /** Absolute path of the file. */
  file: string;
}

/** Options of {@link loadModelFile}. */
export interface LoadModelOptions {
  /**
   * Import the file afresh instead of reusing an earlier import of the same path (the file
   * itself only; modules it imports stay cached). Use after the file was edited.
   */
  fresh?: boolean;
  /**
   * A data file for a model that exports a function of the data (read with {@link readData} and
   * passed to it). A model that exports a problem takes no data file.
   */
  data?: string;
}

/** Methods every fit problem has (the `Problem` contract of fit/types.ts). */
const PROBLEM_METHODS = [
  "labels",
  "getValues",
  "setValues",
  "bounds",
  "nllf",
  "residualCount",
  "residuals",
  "randomPoint",
  "hasUncertainties",
  "pointCount",
] as const;

// Test runners and bundlers rewrite `import()` in our own code; a model file must go through
// Node's loader, where the TypeScript hooks are registered, so the import is built at run time.
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- a dynamic import() that TypeScript must not rewrite to require()
const nativeImport = new Function("specifier", "return import(specifier)") as (
  specifier: string,
) => Promise<Record<string, unknown>>;

let freshCounter = 0;

/**
 * Imports a model file and returns the fit problem it exports: the named export `problem`, or
 * else the default export.
 * @param path the model file (`.ts`, `.mts`, `.js` or `.mjs`), relative to the working directory
 * @throws ModelFileError when the file is missing, does not parse (message `file:line:column`),
 *   throws while it runs (with the line in the file when the stack shows it), exports no
 *   problem, or exports something that is not a problem
 */
export async function loadModelFile(path: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const file = resolvePath(path);
  if (!existsSync(file)) throw new ModelFileError(`model file ${file} does not exist`, file);
  if (!statSync(file).isFile()) throw new ModelFileError(`model file ${file} is not a file`, file);
  registerTypeScriptHooks();
  let url = pathToFileURL(file).href;
  if (options.fresh) url += `?fresh=${++freshCounter}`;
  let module: Record<string, unknown>;
  try {
    module = await nativeImport(url);
  } catch (error) {
    throw importError(error, file);
  }
  const maker = dataFunction(module);
  if (maker !== undefined) {
    if (options.data === undefined)
      throw new ModelFileError(
        `${file} exports a function of the data (its ${maker.name === "default" ? "default export" : "export `problem`"}): ` +
          "give it a data file (hpcfit fit MODEL --data FILE)",
        file,
      );
    const data = await readData(options.data);
    let made: unknown;
    try {
      made = await maker.make(data);
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw importError(error, file);
    }
    if (!isProblem(made))
      throw new ModelFileError(
        `${file}: the function of the data returned ${describe(made)}, not a fit problem (it lacks ${missingMethods(made)
          .map((m) => `${m}()`)
          .join(", ")})`,
        file,
      );
    return { problem: made, module, file, data };
  }
  const problem = findProblem(module, file);
  if (options.data !== undefined)
    throw new ModelFileError(
      `${file} exports a fit problem, which takes no data file; to fit data given with --data, export a function of the data: ` +
        "`export default (data: DataTable) => new FitProblem(...)`",
      file,
    );
  return { problem, module, file };
}

/**
 * The export that is a function of the data: `problem` or the default export when it is a plain
 * function (not a problem, not a class).
 */
function dataFunction(module: Record<string, unknown>): { name: string; make: (data: DataTable) => unknown } | undefined {
  for (const name of ["problem", "default"]) {
    const value = module[name];
    if (typeof value === "function" && !isProblem(value) && !/^class[\s{]/.test(Function.prototype.toString.call(value)))
      return { name, make: value as (data: DataTable) => unknown };
  }
  return undefined;
}

/** Picks the problem out of a module's exports, or explains what is wrong. */
function findProblem(module: Record<string, unknown>, file: string): Problem {
  const candidates: Array<[string, unknown]> = [];
  if ("problem" in module) candidates.push(["problem", module.problem]);
  if ("default" in module) candidates.push(["default", module.default]);
  if (candidates.length === 0) {
    const names = Object.keys(module);
    throw new ModelFileError(
      `${file} exports no fit problem: expected \`export default <FitProblem>\` or ` +
        `\`export const problem = <FitProblem>\`, but it exports ${names.length ? names.map((n) => `\`${n}\``).join(", ") : "nothing"}`,
      file,
    );
  }
  for (const [, value] of candidates) if (isProblem(value)) return value;
  const [name, value] = candidates[0];
  const missing = missingMethods(value);
  throw new ModelFileError(
    `${file}: the ${name === "default" ? "default export" : "export `problem`"} is ${describe(value)}, ` +
      `not a fit problem` +
      (missing.length < PROBLEM_METHODS.length ? ` (it lacks ${missing.map((m) => `${m}()`).join(", ")})` : "") +
      "; export a FitProblem, e.g. `export const problem = new FitProblem(model)`",
    file,
  );
}

/** Whether `value` implements the `Problem` contract. */
export function isProblem(value: unknown): value is Problem {
  return missingMethods(value).length === 0;
}

function missingMethods(value: unknown): string[] {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return [...PROBLEM_METHODS];
  const record = value as Record<string, unknown>;
  return PROBLEM_METHODS.filter((m) => typeof record[m] !== "function");
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "function") return `a function (${value.name || "anonymous"})`;
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- describes any value a model file exported
  if (typeof value !== "object") return `a ${typeof value} (${String(value).slice(0, 40)})`;
  const name = value.constructor?.name;
  return name && name !== "Object" ? `a ${name}` : "an object";
}

/** Turns an error from `import()` into a ModelFileError that says where in which file. */
function importError(error: unknown, file: string): ModelFileError {
  const err = error instanceof Error ? error : new Error(String(error));
  const located = err as Error & { file?: unknown; line?: unknown; column?: unknown };
  // Our hooks' SyntaxError already reads "path:line:column: what" (maybe of an imported file).
  if (err.name === "SyntaxError" && typeof located.line === "number") {
    return new ModelFileError(`syntax error in ${err.message}`, file, {
      line: located.file === file ? located.line : undefined,
      column: located.file === file && typeof located.column === "number" ? located.column : undefined,
      cause: err,
    });
  }
  const code = (err as { code?: unknown }).code;
  if (code === "ERR_MODULE_NOT_FOUND" || code === "ERR_PACKAGE_PATH_NOT_EXPORTED") {
    return new ModelFileError(`${file}: ${err.message}`, file, { cause: err });
  }
  const where = lineInStack(err, file);
  if (err.name === "SyntaxError") {
    // Node's own parser (plain .js models, or ESM linking errors such as a missing export).
    return new ModelFileError(`syntax error in ${file}${where ? `:${where.line}:${where.column}` : ""}: ${err.message}`, file, {
      ...where,
      cause: err,
    });
  }
  return new ModelFileError(
    `${file}${where ? `:${where.line}:${where.column}` : ""}: error while running the model file: ${err.message}`,
    file,
    { ...where, cause: err },
  );
}

/** The first stack frame in `file`, if any. */
function lineInStack(err: Error, file: string): { line: number; column: number } | undefined {
  const stack = err.stack ?? "";
  const url = pathToFileURL(file).href;
  for (const frame of stack.split("\n")) {
    for (const name of [url, file]) {
      const at = frame.indexOf(name);
      if (at < 0) continue;
      const match = /^(?:\?[^:]*)?:(\d+):(\d+)/.exec(frame.slice(at + name.length));
      if (match) return { line: Number(match[1]), column: Number(match[2]) };
    }
  }
  return undefined;
}
