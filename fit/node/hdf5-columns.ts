/**
 * Numeric datasets of an HDF5 file (NeXus files from neutron and X-ray facilities are HDF5), read
 * with h5wasm (the HDF5 library compiled to WebAssembly, maintained at NIST). h5wasm is imported
 * only when such a file is read, so nothing else pays for loading it.
 */
import { UserError } from "../../util/user-error.js";

/** The 8-byte signature an HDF5 file starts with (at offset 0, 512, 1024, ... when it has a user block). */
export const HDF5_SIGNATURE = Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The part of h5wasm's API read here (its Group, Dataset and File classes). */
interface H5Group {
  keys(): string[];
  get(path: string): unknown;
}
interface H5Dataset {
  readonly shape: number[] | null;
  readonly dtype: unknown;
  readonly value: unknown;
}
interface H5File extends H5Group {
  close(): unknown;
}
interface H5 {
  ready: Promise<unknown>;
  File: new (filename: string, mode: "r") => H5File;
  Group: abstract new (...args: never[]) => H5Group;
  Dataset: abstract new (...args: never[]) => H5Dataset;
}

// The specifier is a variable so that the build does not need h5wasm: only reading an HDF5 file does.
const H5WASM = "h5wasm/node";

let module: Promise<H5> | undefined;

/** h5wasm, imported and initialised once. */
async function h5wasm(): Promise<H5> {
  module ??= (async () => {
    let h5: H5;
    try {
      h5 = (await import(H5WASM)) as H5;
    } catch (error) {
      module = undefined;
      throw new UserError(`reading HDF5 files needs the h5wasm package, which could not be loaded: ${(error as Error).message}`);
    }
    await h5.ready;
    return h5;
  })();
  return module;
}

/** Every dataset path in `file` with its shape, for messages that list what the file holds. */
function datasetsOf(h5: H5, f: H5File, group = "/", out: string[] = []): string[] {
  const g = f.get(group);
  if (!(g instanceof h5.Group)) return out;
  for (const name of g.keys()) {
    const path = group === "/" ? `/${name}` : `${group}/${name}`;
    const entity = f.get(path);
    if (entity instanceof h5.Dataset) out.push(`${path} ${JSON.stringify(entity.shape ?? [])}`);
    else if (entity instanceof h5.Group) datasetsOf(h5, f, path, out);
  }
  return out;
}

/** A one-dimensional numeric dataset's values as doubles, or a message saying why not. */
function valuesOf(d: H5Dataset, path: string, file: string): Float64Array {
  const shape = d.shape ?? [];
  const length = shape.reduce((a, b) => a * b, 1);
  // A column stored as n × 1 or 1 × n is still a column.
  if (shape.filter((s) => s !== 1).length > 1)
    throw new UserError(`${file}: dataset ${path} has shape ${JSON.stringify(shape)}; a column must be one-dimensional`);
  const value = d.value;
  let out: Float64Array;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    out = new Float64Array(length);
    const typed = value as unknown as ArrayLike<number | bigint>;
    for (let i = 0; i < length; i++) out[i] = Number(typed[i]);
  } else if (typeof value === "number" || typeof value === "bigint") {
    out = Float64Array.of(Number(value));
  } else {
    throw new UserError(`${file}: dataset ${path} is not numeric (its type is ${JSON.stringify(d.dtype)})`);
  }
  const bad = out.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0)
    throw new UserError(`${file}: dataset ${path} has ${out[bad]} at index ${bad}; NaN and infinite values are refused`);
  return out;
}

/**
 * Reads the datasets at `paths` (absolute HDF5 paths such as `/entry/data/q`) from `file`.
 * @throws UserError when a path does not exist (listing the datasets the file holds), is not a
 *   numeric one-dimensional dataset, or holds NaN or infinite values, or when the file cannot be opened
 */
export async function readHdf5Columns(file: string, paths: string[]): Promise<Float64Array[]> {
  const h5 = await h5wasm();
  let f: H5File;
  try {
    f = new h5.File(file, "r");
  } catch (error) {
    throw new UserError(`${file}: cannot open as HDF5: ${(error as Error).message}`);
  }
  try {
    if (paths.length === 0)
      throw new UserError(
        `${file} is an HDF5 file: name the datasets to read, e.g. readData(file, { x: "/entry/data/q" }); it holds ${datasetsOf(h5, f).join(", ") || "no datasets"}`,
      );
    return paths.map((path) => {
      const d = f.get(path);
      if (!(d instanceof h5.Dataset))
        throw new UserError(
          `${file}: no dataset ${path}${d instanceof h5.Group ? " (it is a group)" : ""}; the file holds ${datasetsOf(h5, f).join(", ") || "no datasets"}`,
        );
      return valuesOf(d, path, file);
    });
  } finally {
    f.close();
  }
}
