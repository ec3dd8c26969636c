// The ArviZ export: saveResult(..., { arviz: true }) writes a Zarr store that ArviZ and xarray from
// PyPI open as InferenceData with the same means and intervals as hpcfit's own, loadResult reads
// it back into the same result, and the Zarr reader agrees with zarr-python.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { Curve, DISPLAY, fit, FitProblem, isSampledResult, loadResult, saveResult } from "hpcfit";
import { P68 } from "../../fit/mcmc/stats.js";
import { readZarrArray } from "../../fit/node/zarr-v2.js";
import { packageVersion } from "../../util/paths.js";

const python = join(process.cwd(), ".venv", "bin", "python");
const dir = mkdtempSync(join(tmpdir(), "hpcfit-arviz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const X = [1, 2, 3, 4, 5, 6];
const Y = [2.1, 4.0, 6.3, 8.03, 9.6, 11.9];
const DY = [0.05, 0.05, 0.2, 0.05, 0.2, 0.2];

function lineProblem(): FitProblem {
  const M = new Curve((x: number, m = 1, b = 0) => m * x + b, X, Y, DY);
  M.m.range(0, 4);
  M.b.range(-5, 5);
  return new FitProblem(M);
}

/** What ArviZ and xarray (from .venv, installed from PyPI) read from the store at `path`. */
interface ArvizView {
  groups: string[];
  dims: Record<string, number>;
  variables: string[];
  mean: Record<string, number>;
  eti95: Record<string, [number, number]>;
  eti68: Record<string, [number, number]>;
  lp: number[][];
  acceptance: number[][] | null;
  observed: Record<string, number[]>;
  attrs: Record<string, string>;
  openZarrPosterior: string[];
}

const READ_WITH_ARVIZ = `
import json, sys, warnings
# Imported first: ArviZ may warn of its own coming refactor on import, which says nothing of the store.
import arviz as az, xarray as xr
warnings.simplefilter("error")  # a store xarray or ArviZ only half understands fails here
path, p68 = sys.argv[1], float(sys.argv[2])
idata = az.InferenceData.from_datatree(xr.open_datatree(path, engine="zarr"))
post = idata.posterior
s = az.summary(idata, kind="stats", round_to="none")
e95 = az.summary(idata, kind="stats", stat_focus="median", hdi_prob=0.95, round_to="none")
e68 = az.summary(idata, kind="stats", stat_focus="median", hdi_prob=p68, round_to="none")
names = list(post.data_vars)
lo68 = [c for c in e68.columns if c.startswith("eti_")]
stats = idata.sample_stats
print(json.dumps({
  "groups": list(idata.groups()),
  "dims": {k: int(v) for k, v in post.sizes.items()},
  "variables": names,
  "mean": {n: float(s.loc[n, "mean"]) for n in names},
  "eti95": {n: [float(e95.loc[n, "eti_2.5%"]), float(e95.loc[n, "eti_97.5%"])] for n in names},
  "eti68": {n: [float(e68.loc[n, lo68[0]]), float(e68.loc[n, lo68[1]])] for n in names},
  "lp": stats["lp"].values.tolist(),
  "acceptance": stats["acceptance_rate"].values.tolist() if "acceptance_rate" in stats else None,
  "observed": {k: v.values.ravel().tolist() for k, v in idata.observed_data.data_vars.items()} if "observed_data" in idata.groups() else {},
  "attrs": {k: str(post.attrs[k]) for k in ("inference_library", "inference_library_version", "created_at", "sampler")},
  "openZarrPosterior": sorted(xr.open_zarr(path, group="posterior").data_vars),
}))
`;

function readWithArviz(path: string): ArvizView {
  const out = execFileSync(python, ["-c", READ_WITH_ARVIZ, path, String(P68[1] - P68[0])], { encoding: "utf8" });
  return JSON.parse(out) as ArvizView;
}

function expectClose(actual: number, expected: number, scale: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * scale);
}

describe("ArviZ export", () => {
  test("ArviZ opens a DREAM run's store with hpcfit's means and intervals, and loadResult reads it back", async () => {
    const result = await fit(lineProblem(), { method: "dream", samples: 4000, burn: 100, seed: 3 });
    if (!isSampledResult(result)) throw new Error("expected a sampler result");
    const files = await saveResult(result, dir, "line", { arviz: true });
    expect(files.arviz).toBe(join(dir, "line.zarr"));
    const view = readWithArviz(files.arviz!);
    expect(view.groups).toEqual(["posterior", "sample_stats", "observed_data"]);
    expect(view.dims).toEqual({ chain: result.samples.nchains, draw: result.samples.nthin });
    expect(view.variables).toEqual(["m", "b"]);
    expect(view.openZarrPosterior).toEqual(["b", "m"]);
    for (const s of result.samples.summary().stats) {
      const width = s.p95[1] - s.p95[0];
      expectClose(view.mean[s.name], s.mean, width);
      expectClose(view.eti95[s.name][0], s.p95[0], width);
      expectClose(view.eti95[s.name][1], s.p95[1], width);
      expectClose(view.eti68[s.name][0], s.p68[0], width);
      expectClose(view.eti68[s.name][1], s.p68[1], width);
    }
    // lp is the log-posterior of each draw, [chain][draw].
    const nc = result.samples.nchains;
    expect(view.lp[3][7]).toBe(result.samples.logp[7 * nc + 3]);
    expect(view.acceptance).not.toBeNull();
    expect(view.acceptance!.flat().every((a) => a >= 0 && a <= 1)).toBe(true);
    expect(view.observed).toEqual({ x: X, y: Y, dy: DY });
    expect(view.attrs.inference_library).toBe("hpcfit");
    expect(view.attrs.inference_library_version).toBe(packageVersion());
    expect(Number.isNaN(Date.parse(view.attrs.created_at))).toBe(false);
    expect(view.attrs.sampler).toBe("dream");

    // Back from the store alone: the same result, shown the same way.
    const back = await loadResult(files.arviz!);
    expect(back[DISPLAY]()).toEqual(result[DISPLAY]());
    expect(JSON.stringify(back.toJSON())).toBe(JSON.stringify(result.toJSON()));
    rmSync(files.json);
    const fromZarr = await loadResult(dir, "line");
    if (!isSampledResult(fromZarr)) throw new Error("expected the draws back");
    expect(Buffer.from(fromZarr.samples.points.buffer).equals(Buffer.from(result.samples.points.buffer))).toBe(true);
  });

  test("SMC's particles are one chain of draws", async () => {
    const result = await fit(lineProblem(), { method: "smc", particles: 400, seed: 2 });
    if (!isSampledResult(result)) throw new Error("expected a sampler result");
    const files = await saveResult(result, dir, "smc", { arviz: true });
    const view = readWithArviz(files.arviz!);
    expect(view.dims).toEqual({ chain: 1, draw: result.samples.size });
    expect(view.acceptance).toBeNull();
    for (const s of result.samples.summary().stats) expectClose(view.mean[s.name], s.mean, s.p95[1] - s.p95[0]);
    expect((await loadResult(files.arviz!))[DISPLAY]()).toEqual(result[DISPLAY]());
  });

  test("an optimizer's result has no draws to export: a clear error, and nothing written", async () => {
    const result = await fit(lineProblem(), { method: "lm" });
    const where = join(dir, "lm-only");
    await expect(saveResult(result, where, "lm", { arviz: true })).rejects.toThrow(
      /ArviZ export holds posterior draws; a lm result has none \(use dream or smc\)/,
    );
    expect(existsSync(where)).toBe(false);
    await expect(loadResult(join(dir, "line.zarr", "posterior"))).rejects.toThrow(/not an ArviZ export written by hpcfit/);
  });

  test("the Zarr reader reads zarr-python's uncompressed chunked arrays and refuses compressed ones", async () => {
    const store = join(dir, "by-zarr-python.zarr");
    execFileSync(python, [
      "-c",
      `
import sys, numpy as np, zarr
root = zarr.open_group(sys.argv[1], mode="w", zarr_format=2)
a = root.create_array("plain", shape=(5, 7), chunks=(2, 3), dtype="<f8", compressors=None, fill_value=np.nan)
a[:] = np.arange(35, dtype="<f8").reshape(5, 7) / 4
i = root.create_array("ints", shape=(4,), chunks=(3,), dtype="<i8", compressors=None, fill_value=0)
i[:] = [3, -1, 7, 9]
c = root.create_array("packed", shape=(3,), chunks=(3,), dtype="<f8")
c[:] = [1, 2, 3]
`,
      store,
    ]);
    const plain = await readZarrArray(join(store, "plain"));
    expect(plain.shape).toEqual([5, 7]);
    expect(Array.from(plain.data)).toEqual(Array.from({ length: 35 }, (_, k) => k / 4));
    expect(Array.from((await readZarrArray(join(store, "ints"))).data)).toEqual([3, -1, 7, 9]);
    await expect(readZarrArray(join(store, "packed"))).rejects.toThrow(
      /is compressed or filtered .* only uncompressed arrays are read/,
    );
  });
});
