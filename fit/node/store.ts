/**
 * A fit's store directory, bumps-compatible: `<name>.par` (one `name value` line per parameter),
 * `<name>.json` (the whole result, with the MIME bundles the renderers need) and, for sampler
 * results, `<name>.err` (the statistics table) and the MCMC state in bumps' text formats,
 * gzip-compressed: `<name>-chain.mc.gz`, `<name>-point.mc.gz`, `<name>-stats.mc.gz`.
 * `loadResult` reads them back into a FitResult that displays exactly as the original.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { formatBumpsState, parseBumpsState, type BumpsStateMeta } from "../mcmc/bumps-format.js";
import { statsTable } from "../mcmc/report.js";
import { FitResult, type FitResultInit } from "../result.js";
import { STOP_REASONS, type StopReason } from "../stop-reason.js";
import { isSampledResult, SampledFitResult } from "../samplers/sampled-result.js";
import type { FitBundleModel } from "../../schema/fit.js";

/** Paths of the files a store holds for one result. */
export interface StoredFiles {
  /** `<name>.par`. */
  par: string;
  /** `<name>.json`. */
  json: string;
  /** `<name>.err` (sampler results). */
  err?: string;
  /** `<name>-chain.mc.gz` (sampler results). */
  chain?: string;
  /** `<name>-point.mc.gz` (sampler results). */
  point?: string;
  /** `<name>-stats.mc.gz` (sampler results). */
  stats?: string;
}

/** Version of the `<name>.json` layout. */
const STORE_VERSION = 1;
const STORE_KIND = "hpcfit.result";

/** JSON cannot hold non-finite numbers; the store keeps them as strings so a round trip is exact. */
function enc(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}
function encArray(a: ArrayLike<number>): (number | string)[] {
  return Array.from(a, enc);
}
function dec(v: unknown, what: string): number {
  if (typeof v === "number") return v;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  if (v === "NaN" || v === null) return Number.NaN;
  throw new Error(`${what}: expected a number, got ${JSON.stringify(v)}`);
}
function decArray(v: unknown, what: string): Float64Array {
  if (!Array.isArray(v)) throw new Error(`${what}: expected an array`);
  return Float64Array.from(v, (x, i) => dec(x, `${what}[${i}]`));
}

function checkName(name: string): void {
  if (typeof name !== "string" || name === "" || /[/\\\0]/.test(name) || name === "." || name === "..")
    throw new Error(`store: result name must be a plain file name, got ${JSON.stringify(name)}`);
}

/** The `.par` text: one `name value` line per parameter, values at full precision. */
export function parText(result: FitResult): string {
  return result.parameters.map((p) => `${p.name} ${String(p.value)}\n`).join("");
}

/**
 * Writes `result` into `dir` (created if missing) under `name`; returns the paths written.
 * Sampler results also get `.err` and the three `.mc.gz` files.
 */
export async function saveResult(result: FitResult, dir: string, name: string): Promise<StoredFiles> {
  checkName(name);
  if (!(result instanceof FitResult)) throw new TypeError("saveResult: expected a FitResult");
  await mkdir(dir, { recursive: true });
  const files: StoredFiles = { par: join(dir, `${name}.par`), json: join(dir, `${name}.json`) };
  const init = {
    method: result.method,
    labels: result.labels,
    x: encArray(result.x),
    cov: encArray(result.cov),
    nllf: enc(result.nllf),
    chisq: enc(result.chisq),
    dof: result.dof,
    points: result.points,
    evaluations: result.evaluations,
    converged: result.converged,
    message: result.message,
    ...(result.stopped !== undefined ? { stopped: result.stopped } : {}),
    hasUncertainties: result.hasUncertainties,
    lower: encArray(result.lower),
    upper: encArray(result.upper),
    models: result.models,
  };
  const doc: Record<string, unknown> = {
    version: STORE_VERSION,
    kind: STORE_KIND,
    init,
    result: result.toJSON(),
  };
  if (isSampledResult(result)) {
    const s = result.samples;
    const meta: Record<string, unknown> = {
      sampler: s.sampler,
      labels: s.labels,
      thin: s.thin,
      burn: s.burn,
      evaluations: s.evaluations,
      outliers: s.outliers,
    };
    if (s.particleEss !== undefined) meta.particleEss = enc(s.particleEss);
    doc.samples = meta;
    const text = formatBumpsState(s);
    files.err = join(dir, `${name}.err`);
    files.chain = join(dir, `${name}-chain.mc.gz`);
    files.point = join(dir, `${name}-point.mc.gz`);
    files.stats = join(dir, `${name}-stats.mc.gz`);
    await writeFile(files.chain, gzipSync(text.chain));
    await writeFile(files.point, gzipSync(text.point));
    await writeFile(files.stats, gzipSync(text.stats));
    await writeFile(files.err, statsTable(s.summary().stats) + "\n");
  }
  await writeFile(files.par, parText(result));
  // The .json last: its presence marks a complete store entry.
  await writeFile(files.json, JSON.stringify(doc) + "\n");
  return files;
}

/** The result names stored in `dir` (from their `.json` files of our kind). */
export async function storedNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir);
  const names: string[] = [];
  for (const e of entries.sort()) {
    if (!e.endsWith(".json")) continue;
    try {
      const doc = JSON.parse(await readFile(join(dir, e), "utf8")) as { kind?: unknown };
      if (doc.kind === STORE_KIND) names.push(e.slice(0, -5));
    } catch {
      // not one of ours
    }
  }
  return names;
}

/**
 * Reads the result `name` from `dir` (default: the only result there). A sampler result comes
 * back with its draws from the `.mc.gz` files and displays exactly as the original.
 */
export async function loadResult(dir: string, name?: string): Promise<FitResult> {
  if (name === undefined) {
    const names = await storedNames(dir);
    if (names.length === 0) throw new Error(`loadResult: no stored result in ${dir}`);
    if (names.length > 1) throw new Error(`loadResult: ${dir} holds several results (${names.join(", ")}); pass the name`);
    name = names[0];
  }
  checkName(name);
  const jsonPath = join(dir, `${name}.json`);
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(await readFile(jsonPath, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`loadResult: cannot read ${jsonPath}: ${(e as Error).message}`, { cause: e });
  }
  if (doc.kind !== STORE_KIND || doc.version !== STORE_VERSION)
    throw new Error(`loadResult: ${jsonPath} is not an hpcfit result (version ${STORE_VERSION})`);
  const raw = doc.init as Record<string, unknown>;
  const what = (f: string): string => `${jsonPath}: init.${f}`;
  const init: FitResultInit = {
    method: String(raw.method),
    labels: (raw.labels as unknown[]).map(String),
    x: decArray(raw.x, what("x")),
    cov: decArray(raw.cov, what("cov")),
    nllf: dec(raw.nllf, what("nllf")),
    chisq: dec(raw.chisq, what("chisq")),
    dof: dec(raw.dof, what("dof")),
    points: dec(raw.points, what("points")),
    evaluations: dec(raw.evaluations, what("evaluations")),
    converged: Boolean(raw.converged),
    message: String(raw.message),
    ...(STOP_REASONS.includes(raw.stopped as StopReason) ? { stopped: raw.stopped as StopReason } : {}),
    hasUncertainties: Boolean(raw.hasUncertainties),
    lower: decArray(raw.lower, what("lower")),
    upper: decArray(raw.upper, what("upper")),
    models: (raw.models ?? []) as FitBundleModel[],
  };
  if (doc.samples === undefined) return new FitResult(init);
  const m = doc.samples as Record<string, unknown>;
  const meta: BumpsStateMeta = {
    sampler: String(m.sampler),
    labels: (m.labels as unknown[]).map(String),
    thin: dec(m.thin, `${jsonPath}: samples.thin`),
    burn: dec(m.burn, `${jsonPath}: samples.burn`),
    evaluations: dec(m.evaluations, `${jsonPath}: samples.evaluations`),
    outliers: (m.outliers ?? []) as BumpsStateMeta["outliers"],
    particleEss: m.particleEss === undefined ? undefined : dec(m.particleEss, `${jsonPath}: samples.particleEss`),
  };
  const read = async (suffix: string): Promise<string> => {
    const path = join(dir, `${name}-${suffix}.mc.gz`);
    try {
      return gunzipSync(await readFile(path)).toString("utf8");
    } catch (e) {
      throw new Error(`loadResult: cannot read ${path}: ${(e as Error).message}`, { cause: e });
    }
  };
  const samples = parseBumpsState({ chain: await read("chain"), point: await read("point"), stats: await read("stats") }, meta);
  return new SampledFitResult({ ...init, samples });
}
