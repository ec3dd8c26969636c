// What bench/mcmc-*.mjs share beyond bench/common.mjs: the Python anchors bumps and emcee.
import { execFileSync } from "node:child_process";
import { ensurePython, machine as machineLine, python, pythonVersions, root } from "./common.mjs";

export { root, sig, writeSection } from "./common.mjs";

/** Installs bench/requirements.txt into .venv when bumps or emcee is missing. */
export function ensureAnchors() {
  ensurePython(["bumps", "emcee"]);
}

/** Runs a Python anchor script in bench/ and parses its JSON output. */
export function anchor(script, mode) {
  const out = execFileSync(python, [`${root}bench/${script}`, mode], { cwd: `${root}bench`, maxBuffer: 64 << 20 });
  return JSON.parse(out.toString());
}

/** One line describing this machine, with the anchors' versions. */
export function machine() {
  return machineLine(pythonVersions(["bumps", "emcee", "numpy"]));
}

/**
 * What a finished sampler fit spent besides sampling, timed by doing it again on its result (the
 * same code, warm): the convergence diagnostics (the summary of a fresh copy of its samples) and
 * the model bands (`addModelBands` with the band options the fit had). Seconds; `bandDraws` is 0
 * when the problem draws no band.
 */
export async function resultCosts(result, problem, bandOptions = {}) {
  const { McmcSamples } = await import(`${root}dist/index.js`);
  const { addModelBands } = await import(`${root}dist/fit/model-bands.js`);
  let t = performance.now();
  new McmcSamples(result.samples).summary();
  const diagnostics = (performance.now() - t) / 1000;
  t = performance.now();
  const band = await addModelBands(result, problem, bandOptions);
  return { diagnostics, bands: (performance.now() - t) / 1000, bandDraws: band.draws, bandWorkers: band.workers };
}
