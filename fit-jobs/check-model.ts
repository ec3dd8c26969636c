#!/usr/bin/env node
/**
 * `node check-model.js MODEL SOURCE` loads a fit job's model file once, in its own process (run in
 * the job directory), and prints `{"labels": [...], "nllf": ..., "data": [...]}` or
 * `{"error": "..."}` as one JSON line. `%%fit` runs it before submitting so that a cell without a
 * problem is refused, without running the cell's code (and whatever it does at top level) inside
 * the kernel. The data files the model reads are read from its folder `SOURCE` and listed, for the
 * job to take along (see `fit/node/data-files.ts`).
 */
import { dirname } from "node:path";
import { gatherDataFiles, gatheredDataFiles } from "../fit/node/data-files.js";
import { loadModelFile } from "../fit/node/load-model.js";
import { isJobFile } from "./job-directory.js";

const [file, source] = process.argv.slice(2);
try {
  if (file === undefined || source === undefined) throw new Error("usage: check-model.js MODEL SOURCE");
  gatherDataFiles(dirname(file), source, isJobFile);
  const { problem } = await loadModelFile(file);
  const labels = problem.labels();
  const x = problem.getValues();
  const nllf = problem.nllf(x);
  const data = gatheredDataFiles();
  process.stdout.write(JSON.stringify({ labels, nllf: Number.isFinite(nllf) ? nllf : String(nllf), data }) + "\n");
} catch (e) {
  process.stdout.write(JSON.stringify({ error: (e as Error).message }) + "\n");
}
