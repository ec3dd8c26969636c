// readData: text data files in the forms instruments and programs write (whitespace, tabs, commas,
// comments, headers, Fortran exponents), with errors naming file, line and column; and HDF5 /
// NeXus files written by h5py (an independent writer, from .venv), read by dataset path.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { readData } from "hpcfit";
import { UserError } from "../../util/user-error.js";
import { PYTHON } from "../support/kernel-client.js";

const dir = mkdtempSync(join(tmpdir(), "hpcfit-data-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function refusal(path: string | URL, columns?: Record<string, string | number>): Promise<string> {
  try {
    await readData(path, columns);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as Error).message;
  }
  throw new Error(`${path} was read without error`);
}

describe("text data files", () => {
  test("whitespace, a header line, comments and every common number notation", async () => {
    const path = file(
      "run.txt",
      "# SANS run 42\n# q in 1/Å\nq  I  dI\n0.01 1.5e+02 3\n\n0.02\t1.2D+02 2.5 # a comment at the end\n.03 +9.9d1 1.\n",
    );
    const t = await readData(path, { x: "q", y: "I", dy: 2 });
    expect(t.format).toBe("text");
    expect(t.header).toEqual(["q", "I", "dI"]);
    expect(Array.from(t.x)).toEqual([0.01, 0.02, 0.03]);
    expect(Array.from(t.y)).toEqual([150, 120, 99]);
    expect(Array.from(t.dy)).toEqual([3, 2.5, 1]);
    expect(t.y).toBeInstanceOf(Float64Array);
    expect(t.columns).toHaveLength(3);
    expect(t.column("dI")).toBe(t.dy);
    expect(t.column(0)).toBe(t.x);
  });

  test("comma-separated with a header; numpy savetxt's commented header; no header at all", async () => {
    const csv = await readData(file("run.csv", "x, y, dy\r\n1, 2, 0.5\r\n2, 4.5, 0.5\r\n"), { x: "x", y: "y" });
    expect(Array.from(csv.y)).toEqual([2, 4.5]);
    const saved = await readData(file("saved.dat", "# x y\n1 2\n3 4\n"));
    expect(saved.header).toEqual(["x", "y"]);
    expect(Array.from(saved.column("y"))).toEqual([2, 4]);
    const bare = await readData(file("bare.dat", "# measured 2026-01-01\n1 2 3\n4 5 6\n"));
    expect(bare.header).toEqual([]);
    expect(Array.from(bare.columns[2])).toEqual([3, 6]);
  });

  test("a malformed row is an error naming the file, line and column, never a NaN", async () => {
    const bad = file("bad.txt", "q I\n0.1 2\n0.2 2..5\n");
    expect(await refusal(bad)).toBe(`${bad} line 3, column 2 (I): "2..5" is not a number`);
    const nan = file("nan.txt", "1 2\n3 nan\n");
    expect(await refusal(nan)).toMatch(
      new RegExp(`^${nan} line 2, column 2: "nan" is not a number \\(NaN and infinite values are refused`),
    );
    const short = file("short.csv", "1,2,3\n4,5\n");
    expect(await refusal(short)).toBe(`${short} line 2: 2 fields, but line 1 has 3; every data line needs the same columns`);
    const empty = file("empty.csv", "1,,3\n");
    expect(await refusal(empty)).toBe(`${empty} line 1, column 2: "" is not a number`);
    const header = file("header.txt", "q I dI\n1 2\n");
    expect(await refusal(header)).toMatch(/line 2: the header names 3 columns \(q, I, dI\) but the data have 2/);
    expect(await refusal(file("nodata.txt", "# nothing\nq I\n"))).toMatch(/holds no data lines \(only the header q, I\)/);
  });

  test("a column that is not there is named, with the columns there are", async () => {
    const path = file("cols.txt", "q I dI\n1 2 3\n");
    expect(await refusal(path, { y: "dIq" })).toBe(`${path}: no column "dIq"; its columns are q, I, dI; did you mean "dI"?`);
    expect(await refusal(path, { y: 3 })).toBe(`${path}: no column 3; it has 3 (indices 0 to 2)`);
    expect(await refusal(file("nohead.txt", "1 2\n"), { y: "I" })).toMatch(
      /has no header line naming its columns: ask for column "I" by index/,
    );
    expect(await refusal(join(dir, "missing.txt"))).toBe(`data file ${join(dir, "missing.txt")} does not exist`);
    expect(await refusal(path, { header: 0 })).toMatch(/"header" is a name the result uses itself/);
  });
});

describe("a file: URL names a data file wherever the working directory is", () => {
  test("new URL(name, import.meta.url) reads the file beside the module; other URLs are refused", async () => {
    file("beside.dat", "x y\n1 2\n3 4\n");
    const here = pathToFileURL(join(dir, "model.ts"));
    const t = await readData(new URL("beside.dat", here), { y: "y" });
    expect(t.file).toBe(join(dir, "beside.dat"));
    expect(Array.from(t.y)).toEqual([2, 4]);
    expect(await refusal(new URL("absent.dat", here))).toBe(`data file ${join(dir, "absent.dat")} does not exist`);
    expect(await refusal(new URL("https://example.org/run.dat"))).toBe(
      "readData reads local files; https://example.org/run.dat is not a file: URL",
    );
  });
});

describe("HDF5 / NeXus files", () => {
  const nexus = join(dir, "run.nxs");
  // A NeXus layout as facilities write it: NXentry/NXdata with q, I and dI, and a 2-D detector image.
  execFileSync(PYTHON, [
    "-c",
    `
import h5py, numpy as np, sys
with h5py.File(sys.argv[1], "w") as f:
    e = f.create_group("entry"); e.attrs["NX_class"] = "NXentry"
    d = e.create_group("data"); d.attrs["NX_class"] = "NXdata"; d.attrs["signal"] = "I"
    d["q"] = np.linspace(0.01, 0.1, 10)
    d["I"] = (100 * np.exp(-np.linspace(0.01, 0.1, 10) * 20)).astype(np.float32)
    d["dI"] = np.arange(1, 11, dtype=np.int32)
    e["detector"] = np.zeros((4, 5))
    e["title"] = "run 42"
`,
    nexus,
  ]);

  test("datasets by path, as doubles, whatever their stored type", async () => {
    const t = await readData(nexus, { x: "/entry/data/q", y: "/entry/data/I", dy: "/entry/data/dI" });
    expect(t.format).toBe("hdf5");
    expect(t.header).toEqual(["/entry/data/q", "/entry/data/I", "/entry/data/dI"]);
    expect(t.x).toBeInstanceOf(Float64Array);
    expect(t.x).toHaveLength(10);
    expect(t.x[9]).toBeCloseTo(0.1, 15);
    expect(t.y[0]).toBeCloseTo(100 * Math.exp(-0.2), 5); // stored as float32
    expect(Array.from(t.dy)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(t.column("/entry/data/I")).toBe(t.y);
  });

  test("a wrong path lists the datasets; a 2-D or text dataset is refused; no columns asks for them", async () => {
    const missing = await refusal(nexus, { y: "/entry/data/Iq" });
    expect(missing).toMatch(/no dataset \/entry\/data\/Iq; the file holds /);
    expect(missing).toContain("/entry/data/q [10]");
    expect(missing).toContain("/entry/detector [4,5]");
    expect(await refusal(nexus, { y: "/entry/data" })).toMatch(/no dataset \/entry\/data \(it is a group\)/);
    expect(await refusal(nexus, { y: "/entry/detector" })).toMatch(/has shape \[4,5\]; a column must be one-dimensional/);
    expect(await refusal(nexus, { y: "/entry/title" })).toMatch(/dataset \/entry\/title is not numeric/);
    expect(await refusal(nexus)).toMatch(/is an HDF5 file: name the datasets to read/);
  });
});
