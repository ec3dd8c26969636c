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
 * Runs `fit(problem, options)` for a sampler and splits its wall time, in seconds: `sampling` (up
 * to the first call of the samples' `summary()`, which the method makes as soon as the draws are
 * in), `diagnostics` (the time spent in `summary()`: statistics and convergence diagnostics) and
 * `after` (the rest once the draws are in: the result's plot data and model band).
 */
export async function timedFit(problem, options) {
  const { fit, McmcSamples } = await import(`${root}dist/index.js`);
  const proto = McmcSamples.prototype;
  const summary = proto.summary;
  let first;
  let inSummary = 0;
  proto.summary = function timedSummary() {
    const t = performance.now();
    first ??= t;
    try {
      return summary.call(this);
    } finally {
      inSummary += performance.now() - t;
    }
  };
  try {
    const start = performance.now();
    const result = await fit(problem, options);
    const end = performance.now();
    first ??= end;
    return {
      result,
      seconds: (end - start) / 1000,
      sampling: (first - start) / 1000,
      diagnostics: inSummary / 1000,
      after: (end - first - inSummary) / 1000,
    };
  } finally {
    proto.summary = summary;
  }
}
