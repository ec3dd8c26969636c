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
