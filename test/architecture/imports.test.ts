/**
 * The arrows between folders (docs/ARCHITECTURE.md): lower layers never import higher ones, and
 * the fitting engine outside `fit/node/` runs anywhere (no Node-only module, directly or through
 * what it imports).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, test } from "vitest";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "..", "..");
const SOURCE_FOLDERS = [
  "util",
  "schema",
  "jupyter",
  "kernel",
  "fit",
  "jobs",
  "queue",
  "notebooks",
  "fit-jobs",
  "remote-kernel",
  "magics",
  "cli",
];
const NODE_ONLY_PACKAGES = ["zeromq", "better-sqlite3", "pg", "cli-progress", "commander"];

function sourceFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith(".ts") && !path.endsWith(".d.ts")) out.push(relative(ROOT, path));
    }
  };
  walk(join(ROOT, folder));
  return out;
}

const ALL = SOURCE_FOLDERS.flatMap(sourceFiles).concat("index.ts");

/** Every module specifier a file imports or re-exports, statically or with `import()`. */
function specifiers(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const found = new Set<string>();
  for (const m of text.matchAll(
    /(?:^|[\s;])(?:import|export)\b[^"';]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|^import\s+["']([^"']+)["']/gm,
  )) {
    found.add(m[1] ?? m[2] ?? m[3]);
  }
  return [...found];
}

/** The repository path a relative specifier names (`.js` → `.ts`), or undefined for packages. */
function target(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  return relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.js$/, ".ts");
}

const folderOf = (path: string): string => (path.includes("/") ? path.slice(0, path.indexOf("/")) : path);

/** What each folder may import from the others. */
const ALLOWED: Record<string, string[]> = {
  util: [],
  schema: ["util"],
  jupyter: ["util"],
  kernel: ["jupyter", "schema", "util"],
  fit: ["schema", "util"],
  jobs: ["fit", "schema", "util", "kernel", "jupyter"],
  queue: ["jobs", "schema", "util"],
  notebooks: ["jobs", "jupyter", "schema", "util", "fit"],
  "fit-jobs": ["jobs", "fit", "schema", "util"],
  "remote-kernel": ["jobs", "jupyter", "schema", "util"],
  magics: ["kernel", "jobs", "queue", "notebooks", "fit-jobs", "fit", "schema", "util"],
  cli: ["kernel", "magics", "jobs", "queue", "notebooks", "fit-jobs", "remote-kernel", "fit", "jupyter", "schema", "util"],
};

describe("imports between folders", () => {
  test.each(SOURCE_FOLDERS)("%s imports only what lies below it", (folder) => {
    const wrong: string[] = [];
    for (const file of ALL.filter((f) => folderOf(f) === folder)) {
      for (const spec of specifiers(file)) {
        const path = target(file, spec);
        if (!path) continue;
        const to = folderOf(path);
        if (to !== folder && path !== "index.ts" && !ALLOWED[folder].includes(to)) wrong.push(`${file} imports ${path}`);
        if (path === "index.ts" && folder !== "cli") wrong.push(`${file} imports the package root`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test("fit/ outside fit/node/ reaches nothing Node-only, directly or through what it imports", () => {
    const nodeOnly = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...NODE_ONLY_PACKAGES]);
    const seen = new Map<string, string[]>();
    const wrong: string[] = [];
    const visit = (file: string, chain: string[]): void => {
      if (seen.has(file)) return;
      seen.set(file, chain);
      for (const spec of specifiers(file)) {
        const path = target(file, spec);
        if (path) visit(path, [...chain, path]);
        else if (nodeOnly.has(spec) || nodeOnly.has(spec.split("/")[0])) wrong.push(`${[...chain].join(" → ")} imports ${spec}`);
      }
    };
    for (const file of ALL.filter((f) => f.startsWith("fit/") && !f.startsWith("fit/node/"))) visit(file, [file]);
    expect(wrong).toEqual([]);
  });

  test("every index.ts only re-exports, and is imported by someone", () => {
    const barrels = ALL.filter((f) => f.endsWith("/index.ts"));
    const importers = new Set(
      ALL.flatMap((f) =>
        specifiers(f)
          .map((s) => target(f, s))
          .filter((t): t is string => t !== undefined),
      ),
    );
    for (const barrel of barrels) {
      const code = readFileSync(join(ROOT, barrel), "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/^\s*\/\/.*$/gm, "")
        .replace(/export\s+(type\s+)?(\*(\s+as\s+\w+)?|\{[^}]*\})\s+from\s+"[^"]+";/g, "")
        .trim();
      expect(code, `${barrel} holds more than re-exports`).toBe("");
      expect(importers.has(barrel), `${barrel} is imported by nobody`).toBe(true);
    }
  });
});
