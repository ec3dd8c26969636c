/**
 * A small reader and writer of Zarr version 2 directory stores, for the ArviZ export
 * (`arviz-export.ts`). Why Zarr v2 written here rather than netCDF4: a netCDF4 file is HDF5 laid
 * out with netCDF's conventions (dimension scales attached to every variable), so writing one from
 * Node takes a WebAssembly build of libhdf5 (h5wasm) loaded for a handful of float arrays and those
 * conventions reproduced by hand; a Zarr v2 store is plain JSON metadata beside raw little-endian
 * chunks, which xarray (`open_zarr`, `open_datatree(engine="zarr")`), ArviZ and zarr-python 2 and 3
 * open directly, and which this file writes and reads with no dependency.
 *
 * Layout written (the Zarr v2 storage specification): a group is a directory with `.zgroup`
 * (`{"zarr_format": 2}`) and `.zattrs`; an array is a directory with `.zarray` (shape, one
 * chunk covering the whole array, dtype, no compressor, no filters, C order), `.zattrs` holding
 * `_ARRAY_DIMENSIONS` (xarray's names for the dimensions), and one uncompressed chunk file
 * (`0.0` for a 2-D array). `.zmetadata` at the root holds every metadata document
 * (consolidated metadata), so readers find all groups in one read.
 *
 * The reader takes any uncompressed store of this kind, with any chunk grid; compressed arrays
 * (zarr-python's default) are refused with a message saying so.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** A JSON value (attributes are JSON). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Element types written and read: 8-byte floats and integers, little-endian (`<f4`, `<i4` are also read). */
export type ZarrDtype = "<f8" | "<i8" | "<f4" | "<i4";

/** One array of a group. */
export interface ZarrArray {
  /** Name of the array in its group (a directory name: no `/`, not starting with `.`). */
  name: string;
  /** xarray's names of its dimensions (`_ARRAY_DIMENSIONS`), one per axis of `shape`. */
  dims: string[];
  /** Extent of each axis. */
  shape: number[];
  /** Element type. */
  dtype: ZarrDtype;
  /** The values in C order (`shape` multiplied out); integer arrays hold safe integers. */
  data: Float64Array;
  /** Further attributes of the array. */
  attrs?: Record<string, JsonValue>;
}

/** One group: its path below the root ("" for the root), its attributes and its arrays. */
export interface ZarrGroup {
  /** Path below the root, `/`-separated; "" is the root. */
  path: string;
  /** The group's attributes. */
  attrs: Record<string, JsonValue>;
  /** The group's arrays. */
  arrays: ZarrArray[];
}

const NAME = /^[^/\\\0.][^/\\\0]*$/;

function checkName(name: string, what: string): void {
  if (!NAME.test(name))
    throw new Error(`zarr: ${what} name ${JSON.stringify(name)} cannot be a directory name (no "/", not starting with ".")`);
}

function elementSize(dtype: ZarrDtype): number {
  return dtype === "<f8" || dtype === "<i8" ? 8 : 4;
}

/** The chunk bytes of `a` (one chunk: the whole array), little-endian whatever the machine. */
function encode(a: ZarrArray): Buffer {
  const count = a.shape.reduce((n, s) => n * s, 1);
  if (a.data.length !== count)
    throw new Error(`zarr: array ${a.name} has ${a.data.length} values for shape [${a.shape.join(", ")}]`);
  const size = elementSize(a.dtype);
  const buffer = Buffer.alloc(count * size);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  for (let i = 0; i < count; i++) {
    const v = a.data[i];
    if (a.dtype === "<f8") view.setFloat64(i * 8, v, true);
    else if (a.dtype === "<f4") view.setFloat32(i * 4, v, true);
    else {
      if (!Number.isSafeInteger(v)) throw new Error(`zarr: array ${a.name}: ${v} is not an integer`);
      if (a.dtype === "<i8") view.setBigInt64(i * 8, BigInt(v), true);
      else view.setInt32(i * 4, v, true);
    }
  }
  return buffer;
}

function arrayMeta(a: ZarrArray): Record<string, JsonValue> {
  return {
    zarr_format: 2,
    shape: a.shape,
    // One chunk holding the whole array; a 0-d array's chunk shape is [] too.
    chunks: a.shape.map((s) => Math.max(1, s)),
    dtype: a.dtype,
    compressor: null,
    fill_value: null,
    filters: null,
    order: "C",
    dimension_separator: ".",
  };
}

/**
 * Writes `groups` as a Zarr v2 store at `path`, replacing what is there: the store is written
 * beside it under a temporary name and renamed into place, so a reader never sees half a store.
 */
export async function writeZarrStore(path: string, groups: ZarrGroup[]): Promise<void> {
  const temporary = `${path}.writing-${process.pid}`;
  await rm(temporary, { recursive: true, force: true });
  const consolidated: Record<string, JsonValue> = {};
  const paths = new Set(groups.map((g) => g.path));
  if (!paths.has("")) groups = [{ path: "", attrs: {}, arrays: [] }, ...groups];
  try {
    for (const group of groups) {
      if (group.path !== "") group.path.split("/").forEach((part) => checkName(part, "group"));
      const dir = join(temporary, group.path);
      await mkdir(dir, { recursive: true });
      const prefix = group.path === "" ? "" : `${group.path}/`;
      consolidated[`${prefix}.zgroup`] = { zarr_format: 2 };
      consolidated[`${prefix}.zattrs`] = group.attrs;
      await writeFile(join(dir, ".zgroup"), JSON.stringify({ zarr_format: 2 }));
      await writeFile(join(dir, ".zattrs"), JSON.stringify(group.attrs));
      for (const a of group.arrays) {
        checkName(a.name, "array");
        if (a.dims.length !== a.shape.length)
          throw new Error(`zarr: array ${a.name} has ${a.shape.length} axes but ${a.dims.length} dimension names`);
        const arrayDir = join(dir, a.name);
        await mkdir(arrayDir);
        const meta = arrayMeta(a);
        const attrs: Record<string, JsonValue> = { ...(a.attrs ?? {}), _ARRAY_DIMENSIONS: a.dims };
        consolidated[`${prefix}${a.name}/.zarray`] = meta;
        consolidated[`${prefix}${a.name}/.zattrs`] = attrs;
        await writeFile(join(arrayDir, ".zarray"), JSON.stringify(meta));
        await writeFile(join(arrayDir, ".zattrs"), JSON.stringify(attrs));
        const key = a.shape.length === 0 ? "0" : a.shape.map(() => "0").join(".");
        // An empty array has no chunk at all: its one chunk would lie wholly outside it.
        if (a.shape.every((n) => n > 0)) await writeFile(join(arrayDir, key), encode(a));
      }
    }
    await writeFile(join(temporary, ".zmetadata"), JSON.stringify({ metadata: consolidated, zarr_consolidated_format: 1 }));
    await rm(path, { recursive: true, force: true });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new Error(`zarr: cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not a JSON object");
    return value as Record<string, unknown>;
  } catch (e) {
    throw new Error(`zarr: ${path} is not valid metadata: ${(e as Error).message}`, { cause: e });
  }
}

/** Whether `path` is a directory holding a Zarr v2 group. */
export async function isZarrGroup(path: string): Promise<boolean> {
  try {
    return (await stat(join(path, ".zgroup"))).isFile();
  } catch {
    return false;
  }
}

/** The attributes of the group at `path` (a directory with `.zgroup`). */
export async function readGroupAttrs(path: string): Promise<Record<string, JsonValue>> {
  const group = await readJson(join(path, ".zgroup"));
  if (group.zarr_format !== 2) throw new Error(`zarr: ${path} is not a Zarr version 2 group`);
  try {
    return (await readJson(join(path, ".zattrs"))) as Record<string, JsonValue>;
  } catch {
    return {};
  }
}

/**
 * Reads the array at `path` (a directory with `.zarray`): its values in C order, shape and
 * dimension names. Uncompressed little-endian `<f8`, `<i8`, `<f4` and `<i4` only.
 */
export async function readZarrArray(path: string): Promise<ZarrArray> {
  const meta = await readJson(join(path, ".zarray"));
  if (meta.zarr_format !== 2) throw new Error(`zarr: ${path} is not a Zarr version 2 array`);
  const dtype = meta.dtype as ZarrDtype;
  if (!["<f8", "<i8", "<f4", "<i4"].includes(dtype))
    throw new Error(`zarr: ${path} has dtype ${JSON.stringify(meta.dtype)}; only little-endian <f8, <i8, <f4, <i4 are read`);
  if (meta.compressor !== null || (meta.filters !== null && meta.filters !== undefined))
    throw new Error(
      `zarr: ${path} is compressed or filtered (${JSON.stringify(meta.compressor)}); only uncompressed arrays are read`,
    );
  if (meta.order !== "C") throw new Error(`zarr: ${path} is in ${JSON.stringify(meta.order)} order; only C order is read`);
  const shape = meta.shape as number[];
  const chunks = meta.chunks as number[];
  if (!Array.isArray(shape) || !Array.isArray(chunks) || shape.length !== chunks.length)
    throw new Error(`zarr: ${path} has no consistent shape and chunks`);
  const separator = typeof meta.dimension_separator === "string" ? meta.dimension_separator : ".";
  const attrs: Record<string, unknown> = await readJson(join(path, ".zattrs")).catch(() => ({}));
  const dims = Array.isArray(attrs._ARRAY_DIMENSIONS) ? (attrs._ARRAY_DIMENSIONS as string[]) : shape.map((_, i) => `dim_${i}`);
  const count = shape.reduce((n, s) => n * s, 1);
  const fill = typeof meta.fill_value === "number" ? meta.fill_value : meta.fill_value === "NaN" ? Number.NaN : 0;
  const data = new Float64Array(count).fill(fill);
  const size = elementSize(dtype);
  const grid = shape.map((s, i) => Math.ceil(s / chunks[i]));
  const chunkCount = grid.reduce((n, g) => n * g, 1);
  const chunkLength = chunks.reduce((n, c) => n * c, 1);
  for (let k = 0; k < (shape.length === 0 ? 1 : chunkCount); k++) {
    // The chunk's index along each axis, last axis fastest.
    const index: number[] = [];
    let rest = k;
    for (let i = grid.length - 1; i >= 0; i--) {
      index[i] = rest % grid[i];
      rest = Math.floor(rest / grid[i]);
    }
    const key = shape.length === 0 ? "0" : index.join(separator);
    let bytes: Buffer;
    try {
      bytes = await readFile(join(path, key));
    } catch {
      continue; // a missing chunk holds the fill value
    }
    if (bytes.length !== chunkLength * size)
      throw new Error(`zarr: chunk ${key} of ${path} has ${bytes.length} bytes, expected ${chunkLength * size}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let j = 0; j < chunkLength; j++) {
      // Position of element j of the chunk in the whole array (chunks at the edges overhang it).
      let within = j;
      let offset = 0;
      let stride = 1;
      let inside = true;
      for (let i = shape.length - 1; i >= 0; i--) {
        const c = within % chunks[i];
        within = Math.floor(within / chunks[i]);
        const at = index[i] * chunks[i] + c;
        if (at >= shape[i]) inside = false;
        offset += at * stride;
        stride *= shape[i];
      }
      if (!inside) continue;
      data[offset] =
        dtype === "<f8"
          ? view.getFloat64(j * 8, true)
          : dtype === "<f4"
            ? view.getFloat32(j * 4, true)
            : dtype === "<i8"
              ? Number(view.getBigInt64(j * 8, true))
              : view.getInt32(j * 4, true);
    }
  }
  const rest = Object.fromEntries(Object.entries(attrs).filter(([key]) => key !== "_ARRAY_DIMENSIONS")) as Record<
    string,
    JsonValue
  >;
  return { name: path.split("/").pop() ?? "", dims, shape, dtype, data, attrs: rest };
}
