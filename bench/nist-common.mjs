// What the NIST benchmarks of lm share: their command line, the build check, the problem index
// and the Python anchor they run side by side (one JSON object per line on its stdout).
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { ensurePython, python, root } from "./common.mjs";

/** The NIST StRD data files. */
export const nistDir = `${root}test/fixtures/nist`;

/**
 * The command line of a NIST benchmark (`--write`, and the problems named, none meaning all);
 * exits with a message when the build or the anchor's Python packages are missing.
 * @param script the script's name, for its messages
 * @param modules the Python modules its anchor imports (installed from bench/requirements.txt when missing)
 */
export function nistBench(script, modules) {
  if (!existsSync(`${root}dist/index.js`)) {
    console.error(`${script}: build first (npx tsc -p tsconfig.json)`);
    process.exit(1);
  }
  try {
    ensurePython(modules);
  } catch (error) {
    console.error(`${script}: ${error.message}`);
    process.exit(1);
  }
  const args = process.argv.slice(2);
  return { write: args.includes("--write"), only: args.filter((a) => !a.startsWith("--")) };
}

/** The rows of the NIST index (name, level, number of parameters, ...), restricted to the problems in `only` when it names any. */
export function nistIndex(only = []) {
  return readFileSync(`${nistDir}/INDEX.tsv`, "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split("\t"))
    .filter((r) => only.length === 0 || only.includes(r[0]));
}

/**
 * Runs a Python anchor script of bench/ with `args` (and `input` on its stdin, if given) and collects
 * the JSON object of each line it prints, keyed by `key(object)`.
 */
export function runPythonAnchor(script, args, key, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [`${root}bench/${script}`, ...args], {
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "inherit"],
    });
    if (input !== undefined) child.stdin.end(input);
    const results = new Map();
    let buffer = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line === "") continue;
        const r = JSON.parse(line);
        results.set(key(r), r);
      }
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(results) : reject(new Error(`${script} exited with ${code}`))));
  });
}
