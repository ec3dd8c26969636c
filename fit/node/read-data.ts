/**
 * `readData(path, columns?)`: a data file's columns as `Float64Array`s, for fitting. Text files
 * (whitespace-, tab- or comma-separated, `#` comments, an optional header; see
 * `fit/data/text-columns.ts`) and HDF5 / NeXus files (datasets by path, through h5wasm, loaded
 * only then) are told apart by the HDF5 signature, not by the name.
 *
 * ```ts
 * const { x, y, dy } = await readData("run.txt", { x: "q", y: "I", dy: 2 });
 * const { q, I } = await readData("run.nxs", { q: "/entry/data/q", I: "/entry/data/I" });
 * const table = await readData("run.txt"); // table.columns, table.header, table.column("q")
 * const beside = await readData(new URL("run.txt", import.meta.url)); // next to the model file
 * ```
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { closest } from "../../util/closest.js";
import { UserError } from "../../util/user-error.js";
import { parseTextColumns } from "../data/text-columns.js";
import { dataFilePath } from "./data-files.js";
import { HDF5_SIGNATURE, readHdf5Columns } from "./hdf5-columns.js";

/** Which column to read: a header name or 0-based index (text files), a dataset path (HDF5). */
export type ColumnRef = string | number;

/** The columns of a data file. */
export interface DataTable {
  /** Absolute path of the file read. */
  file: string;
  /** "text" or "hdf5". */
  format: "text" | "hdf5";
  /** Column names: the header's (text; empty without one) or the dataset paths read (HDF5). */
  header: string[];
  /** The columns, in file order (text) or in the order asked for (HDF5). */
  columns: Float64Array[];
  /**
   * A column by header name or 0-based index (text), or by dataset path among those read (HDF5).
   * @throws UserError naming the columns there are
   */
  column(ref: ColumnRef): Float64Array;
}

/** Names `readData`'s result uses itself, so a picked column cannot have them. */
const RESERVED = ["file", "format", "header", "columns", "column"];

/** Whether the file starts with the HDF5 signature (at 0 or at a user block of 512·2^k bytes). */
function isHdf5(file: string): boolean {
  const size = statSync(file).size;
  const fd = openSync(file, "r");
  try {
    const buf = new Uint8Array(HDF5_SIGNATURE.length);
    for (let at = 0; at + buf.length <= size; at = at === 0 ? 512 : at * 2) {
      readSync(fd, buf, 0, buf.length, at);
      if (buf.every((b, i) => b === HDF5_SIGNATURE[i])) return true;
      if (at >= 1 << 20) break;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

/** Finds `ref` among a text table's columns. */
function textColumn(file: string, header: string[], columns: Float64Array[], ref: ColumnRef): Float64Array {
  if (typeof ref === "number") {
    if (Number.isInteger(ref) && ref >= 0 && ref < columns.length) return columns[ref];
    throw new UserError(`${file}: no column ${ref}; it has ${columns.length} (indices 0 to ${columns.length - 1})`);
  }
  const at = header.indexOf(ref);
  if (at >= 0) return columns[at];
  if (header.length === 0)
    throw new UserError(
      `${file} has no header line naming its columns: ask for column ${JSON.stringify(ref)} by index (0 to ${columns.length - 1})`,
    );
  const near = closest(ref, header);
  throw new UserError(
    `${file}: no column ${JSON.stringify(ref)}; its columns are ${header.join(", ")}${near ? `; did you mean ${JSON.stringify(near)}?` : ""}`,
  );
}

/**
 * Reads a data file's columns. With `columns` (`{ x: "q", y: 1 }`: names of your choosing →
 * header name or 0-based index in a text file, dataset path in an HDF5 file), the result also
 * has each picked column under its chosen name.
 * @param path the data file: a path relative to the working directory, or a `file:` URL
 *   (`new URL("run.txt", import.meta.url)` names the file beside the model file, and a fit job
 *   takes it along)
 * @param columns the columns to pick (required for HDF5 files)
 * @throws UserError naming the file (and line and column) when it is missing, malformed, or lacks a column asked for
 */
export async function readData<K extends string = never>(
  path: string | URL,
  columns?: Record<K, ColumnRef>,
): Promise<DataTable & Record<K, Float64Array>> {
  if (!(path instanceof URL) && (typeof path !== "string" || path === ""))
    throw new UserError("readData: the first argument must be the path (or file: URL) of a data file");
  const file = dataFilePath(path);
  if (!existsSync(file)) throw new UserError(`data file ${file} does not exist`);
  if (!statSync(file).isFile()) throw new UserError(`data file ${file} is not a file`);
  const picks = Object.entries(columns ?? {}) as [K, ColumnRef][];
  for (const [name, ref] of picks) {
    if (RESERVED.includes(name))
      throw new UserError(`readData: ${JSON.stringify(name)} is a name the result uses itself; pick another name`);
    if (typeof ref !== "string" && typeof ref !== "number")
      throw new UserError(
        `readData: column ${name} must be a column name, a 0-based index or a dataset path, got ${JSON.stringify(ref)}`,
      );
  }
  let table: DataTable;
  if (isHdf5(file)) {
    const paths = picks.map(([, ref]) => String(ref));
    const read = await readHdf5Columns(file, paths);
    table = {
      file,
      format: "hdf5",
      header: paths,
      columns: read,
      column: (ref) => {
        const at = paths.indexOf(String(ref));
        if (at < 0) throw new UserError(`${file}: dataset ${String(ref)} was not read; read ${paths.join(", ")}`);
        return read[at];
      },
    };
  } else {
    const text = readFileSync(file, "utf8");
    const { header, columns: all } = parseTextColumns(text, file);
    table = { file, format: "text", header, columns: all, column: (ref) => textColumn(file, header, all, ref) };
  }
  const out = table as DataTable & Record<K, Float64Array>;
  const lengths = new Set<number>();
  for (const [name, ref] of picks) {
    const col = table.column(ref);
    lengths.add(col.length);
    (out as Record<string, unknown>)[name] = col;
  }
  if (table.format === "hdf5" && lengths.size > 1)
    throw new UserError(
      `${file}: the datasets read have different lengths (${picks.map(([, ref], i) => `${String(ref)}: ${table.columns[i].length}`).join(", ")})`,
    );
  return out;
}
