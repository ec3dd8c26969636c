#!/usr/bin/env node
/**
 * `node check-model.js MODEL` loads a fit job's model file once, in its own process, and prints
 * `{"labels": [...]}` or `{"error": "..."}` as one JSON line. `%%fit` runs it before submitting
 * so that a cell without a problem is refused, without running the cell's code (and whatever it
 * does at top level) inside the kernel.
 */
import { loadModelFile } from "../fit/node/load-model.js";

const file = process.argv[2];
try {
  if (file === undefined) throw new Error("usage: check-model.js MODEL");
  const { problem } = await loadModelFile(file);
  const labels = problem.labels();
  const x = problem.getValues();
  const nllf = problem.nllf(x);
  process.stdout.write(JSON.stringify({ labels, nllf: Number.isFinite(nllf) ? nllf : String(nllf) }) + "\n");
} catch (e) {
  process.stdout.write(JSON.stringify({ error: (e as Error).message }) + "\n");
}
