/**
 * Documentation of hpcfit's own exports for `inspect`: the TSDoc comments kept in the built
 * declaration files (`dist/**\/*.d.ts`), indexed by exported name on first use.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../util/paths.js";

let index: Map<string, string> | undefined;

const DECLARATION =
  /\/\*\*([\s\S]*?)\*\/\s*export declare (?:abstract )?(?:class|function|const|interface|type) ([A-Za-z_$][\w$]*)/g;

function* declarationFiles(dir: string): Generator<string> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* declarationFiles(path);
    else if (entry.name.endsWith(".d.ts")) yield path;
  }
}

/** Turns a `/** ... *\/` body into plain text (leading `*` removed). */
function cleanComment(body: string): string {
  return body
    .split("\n")
    .map((line) => line.replace(/^\s*\* ?/, ""))
    .join("\n")
    .trim();
}

/** The TSDoc of an hpcfit export called `name`, when the package is built and documents it. */
export function packageDocumentation(name: string): string | undefined {
  if (!index) {
    index = new Map();
    let root: string;
    try {
      root = packageRoot();
    } catch {
      return undefined;
    }
    for (const file of declarationFiles(join(root, "dist"))) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(DECLARATION)) if (!index.has(m[2])) index.set(m[2], cleanComment(m[1]));
    }
  }
  return index.get(name);
}
