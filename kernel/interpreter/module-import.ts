/**
 * `import` from a notebook cell: specifiers resolve from the notebook's directory (not from the
 * kernel's installation), `"hpcfit"` is always this package, and `.ts` files load through the
 * fitting engine's TypeScript hooks. A cell's `import.meta` describes a file in that directory.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { dirname, isAbsolute, join, resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { packageRoot } from "../../util/paths.js";

/** Conditions tried, in order, for a package's `exports` (as Node's ESM loader does). */
const CONDITIONS = ["import", "node", "module-sync", "default"];

/**
 * Resolves `specifier` as imported by a cell of a notebook in `baseDir` to a URL (or a builtin
 * name) that `import()` accepts.
 * @throws Error naming the specifier and the directory when nothing matches
 */
export function resolveNotebookImport(specifier: string, baseDir: string): string {
  if (specifier === "hpcfit") {
    const entry = join(packageRoot(), "dist", "index.js");
    if (!existsSync(entry))
      throw new Error(`Cannot import "hpcfit": ${entry} is missing (build the package with \`npx tsc -p tsconfig.json\`).`);
    return pathToFileURL(entry).href;
  }
  if (isBuiltin(specifier)) return specifier;
  if (specifier.startsWith("file:")) return specifier;
  if (
    specifier.startsWith("./") ||
    specifier.startsWith("../") ||
    isAbsolute(specifier) ||
    specifier === "." ||
    specifier === ".."
  ) {
    const path = resolveFile(isAbsolute(specifier) ? specifier : resolvePath(baseDir, specifier));
    if (!path)
      throw new Error(
        `Cannot find module "${specifier}" (looked for ${resolvePath(baseDir, specifier)} and .ts/.js/index variants).`,
      );
    return pathToFileURL(path).href;
  }
  return pathToFileURL(resolveBare(specifier, baseDir)).href;
}

/** True when the URL names a TypeScript file (loading it needs the TypeScript hooks). */
export function isTypeScriptUrl(url: string): boolean {
  return /\.(m?ts)$/.test(url.split(/[?#]/, 1)[0]) && !url.endsWith(".d.ts");
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A file for a relative import: as written, `.js` written for a `.ts` file, or with an extension / index added. */
function resolveFile(path: string): string | undefined {
  if (isFile(path)) return path;
  const candidates: string[] = [];
  if (path.endsWith(".js")) candidates.push(path.slice(0, -3) + ".ts");
  if (path.endsWith(".mjs")) candidates.push(path.slice(0, -4) + ".mts");
  for (const ext of [".ts", ".mts", ".js", ".mjs", ".cjs", ".json"]) candidates.push(path + ext);
  for (const index of ["index.ts", "index.js", "index.mjs"]) candidates.push(join(path, index));
  return candidates.find(isFile);
}

/** Resolves a package name (and subpath) from `baseDir`'s node_modules and those above it. */
function resolveBare(specifier: string, baseDir: string): string {
  const parts = specifier.split("/");
  const nameLength = specifier.startsWith("@") ? 2 : 1;
  const name = parts.slice(0, nameLength).join("/");
  const subpath = parts.length > nameLength ? "./" + parts.slice(nameLength).join("/") : ".";
  for (let dir = resolvePath(baseDir); ; dir = dirname(dir)) {
    const pkgDir = join(dir, "node_modules", name);
    const manifestPath = join(pkgDir, "package.json");
    if (existsSync(manifestPath)) {
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { exports?: unknown; main?: unknown; module?: unknown };
      if (manifest.exports !== undefined) {
        const target = resolveExports(manifest.exports, subpath);
        if (target === undefined)
          throw new Error(`Cannot import "${specifier}": package "${name}" (${pkgDir}) does not export "${subpath}".`);
        return join(pkgDir, target);
      }
      if (subpath === ".") {
        const main = typeof manifest.main === "string" ? manifest.main : "index.js";
        const found = resolveFile(join(pkgDir, main));
        if (found) return found;
      } else {
        const found = resolveFile(join(pkgDir, subpath));
        if (found) return found;
      }
      break;
    }
    if (dirname(dir) === dir) break;
  }
  // Anything unusual (e.g. a global folder on NODE_PATH): let CommonJS resolution try.
  try {
    return createRequire(join(resolvePath(baseDir), "__notebook__.js")).resolve(specifier);
  } catch {
    throw new Error(
      `Cannot find package "${name}" from ${baseDir} (looked in node_modules there and in every parent directory).`,
    );
  }
}

/** Resolves `subpath` ("." or "./x") through a package.json `exports` field. */
function resolveExports(exports: unknown, subpath: string): string | undefined {
  const isSubpathMap =
    typeof exports === "object" &&
    exports !== null &&
    !Array.isArray(exports) &&
    Object.keys(exports).some((k) => k.startsWith("."));
  if (!isSubpathMap) return subpath === "." ? resolveTarget(exports, undefined) : undefined;
  const map = exports as Record<string, unknown>;
  if (subpath in map) return resolveTarget(map[subpath], undefined);
  // Patterns: the longest matching "./prefix*suffix" key wins.
  let best: { key: string; star: string } | undefined;
  for (const key of Object.keys(map)) {
    const star = key.indexOf("*");
    if (star < 0) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
      if (!best || prefix.length > best.key.indexOf("*"))
        best = { key, star: subpath.slice(prefix.length, subpath.length - suffix.length) };
    }
  }
  return best ? resolveTarget(map[best.key], best.star) : undefined;
}

function resolveTarget(target: unknown, star: string | undefined): string | undefined {
  if (typeof target === "string") return star === undefined ? target : target.split("*").join(star);
  if (Array.isArray(target)) {
    for (const t of target) {
      const r = resolveTarget(t, star);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  if (typeof target === "object" && target !== null) {
    const conditions = target as Record<string, unknown>;
    for (const condition of Object.keys(conditions)) {
      if (!CONDITIONS.includes(condition)) continue;
      const r = resolveTarget(conditions[condition], star);
      if (r !== undefined) return r;
    }
  }
  return undefined;
}

/** `import.meta` for the cell `filename` (`<cell 3>`), as if it were a file `cell-3.ts` of `dir`. */
export function cellImportMeta(
  dir: string,
  filename: string,
): { url: string; filename: string; dirname: string; resolve: (specifier: string) => string } {
  const file = join(dir, `${filename.replace(/[<>]/g, "").replace(/\s+/g, "-")}.ts`);
  const url = pathToFileURL(file).href;
  return {
    url,
    filename: file,
    dirname: dir,
    // As Node's: a path resolves against the URL whether or not the file exists; a package name
    // resolves as `import` would find it.
    resolve: (specifier) =>
      /^(?:\.{0,2}\/|file:)/.test(specifier) ? new URL(specifier, url).href : resolveNotebookImport(specifier, dir),
  };
}
