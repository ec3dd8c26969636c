// The curve example notebook runs in the real kernel (driven by jupyter_client): it reads its data
// file, the fit result displays its report, HTML table and fit bundle, live progress goes out as
// display updates, DREAM started from the fit samples until its convergence targets are met and
// draws the model's bands, and the draws are exported for ArviZ. The kernel runs in a copy of
// examples/, so the files the notebook writes stay out of the repository.
import { afterAll, beforeAll, expect, test } from "vitest";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FitBundle } from "../../schema/fit.js";
import type { McmcBundle } from "../../schema/mcmc.js";
import { ROOT, startKernel, type KernelClient } from "../support/kernel-client.js";

let kernel: KernelClient;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hpcfit-curve-notebook-"));
  cpSync(join(ROOT, "examples"), dir, { recursive: true });
  kernel = await startKernel({ cwd: dir });
});

afterAll(async () => {
  await kernel?.shutdown();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

test("examples/curve-fit.ipynb fits the line and shows the result", async () => {
  const nb = JSON.parse(readFileSync(join(ROOT, "examples", "curve-fit.ipynb"), "utf8")) as {
    metadata: { kernelspec: { name: string } };
    nbformat: number;
    nbformat_minor: number;
    cells: { cell_type: string; source: string[] }[];
  };
  expect([nb.nbformat, nb.nbformat_minor, nb.metadata.kernelspec.name]).toEqual([4, 5, "hpcfit"]);
  const code = nb.cells.filter((c) => c.cell_type === "code").map((c) => c.source.join(""));
  const results = [];
  for (const source of code) {
    const r = await kernel.execute(source);
    expect(r.status, r.error?.evalue).toBe("ok");
    results.push(r);
  }
  // results[0] is the parameters cell.
  expect(results[1].result?.["text/plain"]).toContain("'m', 'b'");
  const fitCell = results[2];
  const bundle = fitCell.result!;
  expect(bundle["text/plain"]).toMatch(/m:\s+1\.970 ± 0\.021/);
  expect(bundle["text/html"]).toContain("<table>");
  const fb = bundle["application/vnd.hpcfit.fit+json"];
  expect(fb.version).toBe(2);
  expect(fb.parameters[0].name).toBe("m");
  expect(fb.parameters[0].value).toBeCloseTo(1.97017, 4);
  expect(fb.models[0].curve.x.length).toBeGreaterThan(400);
  // The live progress line: shown once, then updated in place on the same display_id.
  const live = fitCell.outputs.filter((m) => m.header.msg_type === "display_data" || m.header.msg_type === "update_display_data");
  expect(live[0].header.msg_type).toBe("display_data");
  const id = live[0].content.transient?.display_id;
  expect(id).toBeTruthy();
  const last = live.at(-1)!;
  expect(last.header.msg_type).toBe("update_display_data");
  expect(last.content.transient.display_id).toBe(id);
  expect(last.content.data["text/plain"]).toMatch(/^fit lm: done/);
  expect(results[3].result?.["text/plain"]).toContain("m = 1.97017 ± 0.021");
  // The data came from line.dat; the posterior was sampled from the fit until converged.
  const posterior = results[4].result!;
  const mcmc = posterior["application/vnd.hpcfit.mcmc+json"] as McmcBundle;
  expect(mcmc.diagnostics.until).toMatchObject({ met: true, ended: "met", targets: { rhat: 1.01, ess: 1000 } });
  for (let k = 0; k < 2; k++) {
    expect(mcmc.diagnostics.rhat[k]).toBeLessThanOrEqual(1.01);
    expect(mcmc.diagnostics.essBulk?.[k]).toBeGreaterThanOrEqual(1000);
    expect(mcmc.diagnostics.essTail?.[k]).toBeGreaterThanOrEqual(1000);
  }
  expect(mcmc.stats[0].mean).toBeCloseTo(1.97017, 1);
  expect(posterior["text/plain"]).toMatch(/started from the given lm fit/);
  expect(posterior["text/plain"]).toMatch(/until R-hat <= 1\.01, ESS >= 1000: met/);
  // The sampler's best fit carries the model's 68% and 95% bands, around the best curve.
  const band = (posterior["application/vnd.hpcfit.fit+json"] as FitBundle).models[0].curve!;
  expect(band.bands?.draws).toBeGreaterThan(0);
  const mid = Math.floor(band.x.length / 2);
  const [lo95, lo68, best, hi68, hi95] = [
    band.bands!.lower95,
    band.bands!.lower68,
    band.y,
    band.bands!.upper68,
    band.bands!.upper95,
  ].map((v) => v[0][mid]!);
  expect(lo95).toBeLessThan(lo68);
  expect(lo68).toBeLessThan(best);
  expect(best).toBeLessThan(hi68);
  expect(hi68).toBeLessThan(hi95);
  // The ArviZ export is on disk and reads back with the posterior's parameters.
  expect(existsSync(join(dir, "curve-fit-results", "line.zarr", "posterior", "m", ".zarray"))).toBe(true);
  expect(results[5].result?.["text/plain"]).toMatch(/^'m = 1\.9\d+\\nb = 0\.\d+'$/);
});
