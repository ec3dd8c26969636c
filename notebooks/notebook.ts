/**
 * Jupyter notebooks (nbformat 4) as the headless runner reads and writes them: only the fields we
 * touch are typed; everything else is carried through untouched.
 */
import { randomUUID } from "node:crypto";
import { renameSync, writeFileSync } from "node:fs";
import { dirname, join, basename } from "node:path";
import { UserError } from "../util/user-error.js";
import { readUserText } from "../util/read-text.js";

/** Multiline strings in nbformat may be stored as arrays of lines. */
export type MultilineString = string | string[];

/** One output of a code cell. */
export interface NotebookOutput {
  output_type: "stream" | "display_data" | "execute_result" | "error";
  [key: string]: unknown;
}

/** A notebook cell. */
export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  source: MultilineString;
  metadata: Record<string, unknown> & { tags?: string[] };
  outputs?: NotebookOutput[];
  execution_count?: number | null;
  attachments?: Record<string, unknown>;
}

/** A whole notebook. */
export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: NotebookCell[];
}

/** The text of a multiline string. */
export function joinSource(source: MultilineString): string {
  return Array.isArray(source) ? source.join("") : source;
}

/** Parses notebook JSON; `origin` names the file in errors. */
export function parseNotebook(text: string, origin: string): Notebook {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${origin} is not valid JSON: ${(error as Error).message}`);
  }
  const nb = value as Partial<Notebook>;
  if (typeof nb !== "object" || nb === null || !Array.isArray(nb.cells)) {
    throw new UserError(`${origin} is not a notebook: it has no "cells" list`);
  }
  if (nb.nbformat !== 4) {
    throw new UserError(`${origin} is nbformat ${String(nb.nbformat)}; only nbformat 4 is supported`);
  }
  nb.metadata ??= {};
  nb.nbformat_minor ??= 5;
  nb.cells.forEach((cell, i) => {
    if (!cell || !["code", "markdown", "raw"].includes(cell.cell_type)) {
      throw new UserError(`${origin}: cell ${i + 1} has no valid cell_type`);
    }
    cell.metadata ??= {};
    if (cell.cell_type === "code") {
      cell.outputs ??= [];
      cell.execution_count ??= null;
    }
    // Cell ids are required from nbformat 4.5 on; give one to cells of older notebooks.
    if (nb.nbformat_minor! >= 5 && typeof cell.id !== "string") cell.id = newCellId();
  });
  return nb as Notebook;
}

/** Reads a notebook file, or standard input when `path` is "-". */
export function readNotebook(path: string): Notebook {
  const source = path === "-" ? "standard input" : path;
  return parseNotebook(readUserText(path === "-" ? 0 : path, source), source);
}

/** Serialises as Jupyter does (one-space indent, trailing newline). */
export function serializeNotebook(nb: Notebook): string {
  return JSON.stringify(nb, null, 1) + "\n";
}

/**
 * Writes a notebook atomically (temp file then rename), so a reader or a killed run never sees a
 * half-written file; "-" writes to standard output.
 */
export function writeNotebook(nb: Notebook, path: string): void {
  const text = serializeNotebook(nb);
  if (path === "-") {
    process.stdout.write(text);
    return;
  }
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(temp, text);
  renameSync(temp, path);
}

/** A fresh nbformat 4.5 cell id. */
export function newCellId(): string {
  return randomUUID().replace(/-/g, "").slice(0, 16);
}

/**
 * A notebook of `cells` that opens on the hpcfit kernel (its kernelspec and language in the
 * metadata, with `metadata` added).
 */
export function hpcfitNotebook(cells: NotebookCell[], metadata: Record<string, unknown> = {}): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: "hpcfit", display_name: "HPCFit (TypeScript)", language: "typescript" },
      language_info: { name: "typescript" },
      ...metadata,
    },
    cells,
  };
}

/** A new code cell with the given source and tags. */
export function codeCell(source: string, tags: string[] = []): NotebookCell {
  return {
    cell_type: "code",
    id: newCellId(),
    source,
    metadata: tags.length ? { tags } : {},
    outputs: [],
    execution_count: null,
  };
}

/** A new markdown cell. */
export function markdownCell(source: string, tags: string[] = []): NotebookCell {
  return { cell_type: "markdown", id: newCellId(), source, metadata: tags.length ? { tags } : {} };
}

/** The tags of a cell. */
export function cellTags(cell: NotebookCell): string[] {
  return Array.isArray(cell.metadata.tags) ? cell.metadata.tags : [];
}
