/**
 * Notebooks whose outputs hold real bundles from the fitting engine (the same `[DISPLAY]()`
 * bundles the kernel sends), so the renderer tests exercise the real shapes without waiting for a
 * kernel to compute them. Tests that run notebooks through the kernel are separate.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Curve, DISPLAY, fit, FitProblem, type MimeBundle } from "hpcfit";

/** Minimal nbformat 4 notebook with the hpcfit kernelspec. */
export function notebook(cells: { source: string; outputs?: MimeBundle[] }[]): Record<string, unknown> {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: "hpcfit", display_name: "HPCFit (TypeScript)", language: "typescript" },
      language_info: { name: "typescript" },
    },
    cells: cells.map((cell, i) => ({
      cell_type: "code",
      id: `cell-${i}`,
      execution_count: cell.outputs === undefined ? null : i + 1,
      metadata: {},
      source: cell.source,
      outputs: (cell.outputs ?? []).map((data) => ({ output_type: "display_data", data, metadata: {} })),
    })),
  };
}

/** The line fit of examples/curve.ts (and of the example notebooks). */
export function lineProblem(): FitProblem {
  const M = new Curve((x: number, m = 1, b = 0) => m * x + b, [1, 2, 3, 4, 5, 6], [2.1, 4.0, 6.3, 8.03, 9.6, 11.9], [0.05, 0.05, 0.2, 0.05, 0.2, 0.2], {}, { name: "line" });
  M.m.range(0, 4);
  M.b.range(-5, 5);
  return new FitProblem(M, { name: "curve" });
}

/** What the renderer tests check against. */
export interface RenderedFixtures {
  /** Path of the notebook (relative to the served folder). */
  path: string;
  /** Fitted values of the lm fit, by parameter name. */
  fitted: Record<string, { value: number; stderr: number | null }>;
  /** Parameter labels of the MCMC run. */
  mcmcLabels: string[];
}

/** Runs an lm fit and a short DREAM run of the line problem and writes them as a notebook in `dir`. */
export async function writeRenderedNotebook(dir: string): Promise<RenderedFixtures> {
  const lm = await fit(lineProblem(), { method: "lm" });
  const dream = await fit(lineProblem(), { method: "dream", samples: 4000, burn: 200, seed: 3 } as never);
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
  return { path, fitted, mcmcLabels: [...dream.labels] };
}
