/**
 * Helpers for the headless-run tests: notebooks written to a temp dir, the built CLI run as a
 * process, and nbformat's own validator (Python, from .venv) as the judge of output files.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const CLI = join(ROOT, "dist", "cli", "main.js");
export const PYTHON = join(ROOT, ".venv", "bin", "python");

/** A cell as tests write it: source, and tags. */
export type CellSpec = string | { source: string; tags?: string[]; type?: "code" | "markdown" };

/** Writes an nbformat 4.5 notebook for the hpcfit kernel and returns its path. */
export function writeTestNotebook(dir: string, name: string, cells: CellSpec[]): string {
  const path = join(dir, name);
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "hpcfit", display_name: "HPCFit (TypeScript)", language: "typescript" } },
    cells: cells.map((c, i) => {
      const spec = typeof c === "string" ? { source: c } : c;
      const type = spec.type ?? "code";
      const base = { id: `cell-${i}`, cell_type: type, source: spec.source, metadata: spec.tags ? { tags: spec.tags } : {} };
      return type === "code" ? { ...base, outputs: [], execution_count: null } : base;
    }),
  };
  writeFileSync(path, JSON.stringify(nb, null, 1));
  return path;
}

/** A fresh temp dir. */
export function tempDir(prefix = "hpcfit-nb-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** What a CLI run printed and how it ended. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `hpcfit ARGS` (the built CLI) to completion. */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(options.input ?? "");
    child.on("close", (code) => resolveRun({ code, stdout, stderr }));
  });
}

/** Reads a notebook's JSON. */
export function readJson(path: string): NotebookJson {
  return JSON.parse(readFileSync(path, "utf8")) as NotebookJson;
}

/** The loose notebook shape tests look into. */
export interface NotebookJson {
  metadata: Record<string, any>;
  cells: {
    cell_type: string;
    source: string | string[];
    metadata: Record<string, any>;
    outputs?: any[];
    execution_count?: number | null;
  }[];
}

/** The text of a cell's source. */
export function sourceOf(cell: { source: string | string[] }): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** All text/plain and stream text of a cell's outputs. */
export function outputText(cell: { outputs?: any[] }): string {
  return (cell.outputs ?? [])
    .map((o) =>
      o.output_type === "stream"
        ? o.text
        : o.output_type === "error"
          ? `${o.ename}: ${o.evalue}`
          : (o.data?.["text/plain"] ?? ""),
    )
    .map((t) => (Array.isArray(t) ? t.join("") : String(t)))
    .join("");
}

/** Validates a notebook file against the nbformat schema with nbformat itself; returns the error or "". */
export function nbformatErrors(path: string): string {
  const r = spawnSync(
    PYTHON,
    ["-c", "import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4)); print('valid')", path],
    {
      encoding: "utf8",
    },
  );
  return r.stdout.trim() === "valid" ? "" : r.stderr || r.stdout;
}
