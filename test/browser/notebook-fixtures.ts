/**
 * Notebooks whose outputs hold real bundles from the fitting engine (the same `[DISPLAY]()`
 * bundles the kernel sends), so the renderer tests exercise the real shapes without waiting for a
 * kernel to compute them. Tests that run notebooks through the kernel are separate.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DISPLAY, fit, Random, type MimeBundle } from "hpcfit";
import { FIT_MIME, type FitBundle } from "../../schema/fit.js";
import { hpcfitNotebook, type Notebook } from "../../notebooks/notebook.js";
import { lineProblem } from "../support/line-problem.js";

/** A notebook for the hpcfit kernel; a cell with outputs shows them as display data, as if it had run. */
export function notebook(cells: { source: string; outputs?: MimeBundle[] }[]): Notebook {
  return hpcfitNotebook(
    cells.map((cell, i) => ({
      cell_type: "code",
      id: `cell-${i}`,
      execution_count: cell.outputs === undefined ? null : i + 1,
      metadata: {},
      source: cell.source,
      outputs: (cell.outputs ?? []).map((data) => ({ output_type: "display_data", data, metadata: {} })),
    })),
  );
}

/** What the renderer tests check against. */
export interface RenderedFixtures {
  /** Path of the notebook (relative to the served folder). */
  path: string;
  /** Fitted values of the lm fit, by parameter name. */
  fitted: Record<string, { value: number; stderr: number | null }>;
  /** Parameter labels of the MCMC run. */
  mcmcLabels: string[];
  /** Generations of burn-in of the MCMC run. */
  mcmcBurn: number;
}

/** Runs an lm fit and a short DREAM run of the line problem and writes them as a notebook in `dir`. */
export async function writeRenderedNotebook(dir: string): Promise<RenderedFixtures> {
  const lm = await fit(lineProblem(), { method: "lm" });
  const dream = await fit(lineProblem(), { method: "dream", samples: 4000, burn: 200, seed: 3 });
  const lmBundle = lm[DISPLAY]();
  const dreamBundle = dream[DISPLAY]();
  const path = "rendered-outputs.ipynb";
  const nb = notebook([
    { source: 'const r = await fit(problem, { method: "lm" })\nr', outputs: [lmBundle] },
    { source: 'await fit(problem, { method: "dream", samples: 4000, burn: 200, seed: 3 })', outputs: [dreamBundle] },
  ]);
  writeFileSync(join(dir, path), JSON.stringify(nb, null, 1));
  const fitted: RenderedFixtures["fitted"] = {};
  for (const p of lm.parameters) fitted[p.name] = { value: p.value, stderr: p.stderr };
  const mcmc = dreamBundle["application/vnd.hpcfit.mcmc+json"] as { burn: number };
  return { path, fitted, mcmcLabels: [...dream.labels], mcmcBurn: mcmc.burn };
}

/**
 * A notebook as an hpcfit older than model bands saved it: a DREAM result's outputs whose fit
 * bundle is version 1 (the same shape without `curve.bands`), on its own (the fit renderer) and
 * beside its MCMC bundle (the MCMC view's "Best fit" tab). Returns its path in `dir`.
 */
export async function writeVersion1Notebook(dir: string): Promise<string> {
  const dream = await fit(lineProblem(), { method: "dream", samples: 2000, burn: 100, seed: 4 });
  const bundle = dream[DISPLAY]();
  const old = structuredClone(bundle[FIT_MIME]) as FitBundle;
  old.version = 1;
  for (const model of old.models) if (model.curve !== null) delete model.curve.bands;
  const path = "version-1-outputs.ipynb";
  const nb = notebook([
    { source: "r", outputs: [{ "text/plain": "fit", [FIT_MIME]: old }] },
    { source: "r", outputs: [{ ...bundle, [FIT_MIME]: old }] },
  ]);
  writeFileSync(join(dir, path), JSON.stringify(nb, null, 1));
  return path;
}

/**
 * A large synthetic MCMC bundle (the shape of schema/mcmc.ts) with `chains` × `draws` random-walk
 * draws of `labels.length` parameters, its statistics computed from the draws, for the
 * "stays responsive with 20 chains × 10,000 draws" check. Values are rounded to 6 significant
 * digits to keep the notebook file small.
 */
export function largeMcmcBundle(chains: number, draws: number, labels: string[], seed = 11): Record<string, unknown> {
  const rng = new Random(seed);
  const k = labels.length;
  const round = (v: number): number => Number(v.toPrecision(6));
  const state = Array.from({ length: chains }, () => labels.map(() => rng.normal()));
  const points: number[][][] = [];
  const logp: number[][] = [];
  const columns = labels.map(() => new Float64Array(draws * chains));
  for (let t = 0; t < draws; t++) {
    const row: number[][] = [];
    const lrow: number[] = [];
    for (let c = 0; c < chains; c++) {
      const s = state[c];
      let lp = 0;
      for (let p = 0; p < k; p++) {
        // An AR(1) walk around p: correlated draws, as a sampler makes.
        s[p] = 0.9 * s[p] + 0.1 * p + 0.3 * rng.normal();
        columns[p][t * chains + c] = s[p];
        lp -= 0.5 * (s[p] - p) ** 2;
      }
      row.push(s.map(round));
      lrow.push(round(lp));
    }
    points.push(row);
    logp.push(lrow);
  }
  const stats = labels.map((name, p) => {
    const sorted = Float64Array.from(columns[p]).sort();
    const q = (f: number): number => sorted[Math.min(sorted.length - 1, Math.floor(f * (sorted.length - 1)))];
    const mean = columns[p].reduce((a, b) => a + b, 0) / columns[p].length;
    const std = Math.sqrt(columns[p].reduce((a, b) => a + (b - mean) ** 2, 0) / columns[p].length);
    return { name, mean, median: q(0.5), best: q(0.5), std, p68: [q(0.15866), q(0.84134)], p95: [q(0.025), q(0.975)] };
  });
  return {
    version: 1,
    sampler: "synthetic",
    labels,
    nchains: chains,
    nthin: draws,
    thin: 1,
    burn: 1000,
    generations: 1000 + draws,
    evaluations: chains * (1000 + draws),
    points,
    logp,
    displayStride: 1,
    generationLogp: logp,
    generationIndex: Array.from({ length: draws }, (_, t) => 1000 + t),
    generationStride: 1,
    stats,
    diagnostics: {
      rhat: labels.map(() => 1.001),
      tau: labels.map(() => 19),
      ess: labels.map(() => (draws * chains) / 19),
      acceptanceRate: 0.25,
      outlierChains: [],
      correlation: labels.flatMap((_, i) => labels.map((__, j) => (i === j ? 1 : 0))),
    },
    warnings: [],
  };
}

/** Writes a notebook whose one output is {@link largeMcmcBundle}; returns its path in `dir`. */
export function writeLargeMcmcNotebook(dir: string, chains: number, draws: number, labels: string[]): string {
  const path = "large-mcmc.ipynb";
  const bundle = largeMcmcBundle(chains, draws, labels);
  writeFileSync(
    join(dir, path),
    JSON.stringify(
      notebook([
        {
          source: "// 20 chains × 10,000 draws",
          outputs: [{ "text/plain": "large MCMC run", "application/vnd.hpcfit.mcmc+json": bundle }],
        },
      ]),
    ),
  );
  return path;
}
