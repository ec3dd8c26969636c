/**
 * Run-time import of TypeScript: Node module customization hooks (`module.register`) that let a
 * model file, a notebook cell or a worker thread `import` a `.ts` / `.mts` file.
 *
 * - `.ts` and `.mts` files are transpiled by sucrase (only the TypeScript transform: type syntax
 *   removed, ES modules and modern syntax kept as written). Sucrase keeps every line on its line,
 *   so stack traces point at the lines the user wrote; an inline source map fixes the columns.
 * - `import ... from "hpcfit"` resolves to this package wherever the importing file lives, so a
 *   model file outside the repository (a cluster scratch directory) works without `npm link`.
 * - A relative `./x.js` that does not exist next to a TypeScript importer resolves to `./x.ts`
 *   (the NodeNext convention), and an extensionless `./x` to `./x.ts`.
 *
 * This file is also the hooks module itself: `registerTypeScriptHooks()` registers the compiled
 * copy of this file (`dist/util/typescript-hooks.js`), whose `initialize` / `resolve` / `load`
 * exports Node runs on its loader thread.
 */
import { existsSync, readFileSync } from "node:fs";
import { register, type LoadHook, type ResolveHook } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { sucrase } from "./sucrase.js";
import { compiledEntry } from "./paths.js";

/** Data passed from `registerTypeScriptHooks()` to the hooks on the loader thread. */
export interface TypeScriptHooksData {
  /** URL of the module that `import ... from "hpcfit"` resolves to. */
  packageEntry: string;
}

/** File extensions the hooks transpile. */
const TYPESCRIPT_EXTENSIONS = [".ts", ".mts"];

const REGISTERED = Symbol.for("hpcfit.typescriptHooks");

/**
 * Registers the TypeScript hooks in this process (or worker thread). Idempotent: a second call,
 * even from another copy of this module (sources and `dist/` in one process), does nothing.
 * @throws Error when running from sources and the compiled hooks (`dist/`) are missing.
 */
export function registerTypeScriptHooks(): void {
  const state = globalThis as { [REGISTERED]?: boolean };
  if (state[REGISTERED]) return;
  const hooksUrl = compiledHooksUrl();
  const data: TypeScriptHooksData = { packageEntry: new URL("../index.js", hooksUrl).href };
  register(hooksUrl, { data });
  state[REGISTERED] = true;
}

/** Whether the hooks are registered in this thread. */
export function typeScriptHooksRegistered(): boolean {
  return (globalThis as { [REGISTERED]?: boolean })[REGISTERED] === true;
}

/**
 * The URL of the JavaScript copy of this file. The loader thread cannot itself load TypeScript,
 * so when this module runs from its `.ts` source (in vitest) the compiled twin in `dist/` is used.
 */
function compiledHooksUrl(): string {
  const self = import.meta.url;
  if (!isTypeScriptUrl(self)) return self;
  return pathToFileURL(compiledEntry("util/typescript-hooks.js")).href;
}

function isTypeScriptUrl(url: string): boolean {
  const path = url.split(/[?#]/, 1)[0];
  if (path.endsWith(".d.ts")) return false;
  return TYPESCRIPT_EXTENSIONS.some((ext) => path.endsWith(ext));
}

/**
 * Transpiles TypeScript source to JavaScript with the same line numbers.
 * @param source the TypeScript text
 * @param path the file's path, used in error messages and the source map
 * @throws SyntaxError whose message is `path:line:column: what` when the source does not parse
 */
export function transpileTypeScript(source: string, path: string): string {
  try {
    const result = sucrase.transform(source, {
      transforms: ["typescript"],
      disableESTransforms: true,
      filePath: path,
      sourceMapOptions: { compiledFilename: path },
    });
    let code = result.code;
    if (result.sourceMap) {
      const map = { ...result.sourceMap, sources: [path], sourcesContent: [source] };
      code += `\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString("base64")}\n`;
    }
    return code;
  } catch (error) {
    throw typeScriptSyntaxError(error, source, path);
  }
}

/** Sucrase reports the offset of the bad token; turn it into `file:line:column: message`. */
function typeScriptSyntaxError(error: unknown, source: string, path: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  const pos = (error as { pos?: unknown }).pos;
  // Sucrase prefixes "Error transforming <file>: " and suffixes " (line:col)"; we say both our way.
  const what = message.replace(/^Error transforming [^:]*: /, "").replace(/ \(\d+:\d+\)$/, "");
  if (typeof pos !== "number") return new SyntaxError(`${path}: ${what}`);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < pos && i < source.length; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  const column = pos - lineStart + 1;
  const err = new SyntaxError(`${path}:${line}:${column}: ${what}`);
  Object.assign(err, { file: path, line, column });
  return err;
}

// ---- the hooks (run on Node's loader thread) ----

let packageEntry: string | undefined;

/** Loader-thread hook: receives {@link TypeScriptHooksData} from `register`. */
export function initialize(data: TypeScriptHooksData | undefined): void {
  packageEntry = data?.packageEntry;
}

/** Loader-thread hook: `hpcfit` → this package; `.js` / extensionless → `.ts` next to TS files. */
export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  if (specifier === "hpcfit" && packageEntry !== undefined) {
    return { url: packageEntry, format: "module", shortCircuit: true };
  }
  const parent = context.parentURL;
  const relative = specifier.startsWith("./") || specifier.startsWith("../");
  if (!relative || parent === undefined || !parent.startsWith("file:")) {
    return nextResolve(specifier, context);
  }
  const candidates: string[] = [];
  if (/\.js$/.test(specifier)) candidates.push(specifier.replace(/\.js$/, ".ts"));
  else if (/\.mjs$/.test(specifier)) candidates.push(specifier.replace(/\.mjs$/, ".mts"));
  else if (!/\.[cm]?[jt]s$|\.json$|\.node$/.test(specifier)) candidates.push(`${specifier}.ts`);
  const direct = new URL(specifier, parent);
  if (candidates.length > 0 && !existsSync(fileURLToPath(direct))) {
    for (const candidate of candidates) {
      const url = new URL(candidate, parent);
      if (existsSync(fileURLToPath(url))) {
        return { url: url.href, format: "module", shortCircuit: true };
      }
    }
  }
  if (isTypeScriptUrl(direct.href) && existsSync(fileURLToPath(direct))) {
    return { url: direct.href, format: "module", shortCircuit: true };
  }
  return nextResolve(specifier, context);
};

/** Loader-thread hook: transpiles `.ts` / `.mts` files as ES modules. */
export const load: LoadHook = async (url, context, nextLoad) => {
  if (!url.startsWith("file:") || !isTypeScriptUrl(url)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const source = readFileSync(path, "utf8");
  return { format: "module", source: transpileTypeScript(source, path), shortCircuit: true };
};
