/**
 * A fit's store directory, bumps-compatible: `<name>.par` (one `name value` line per parameter),
 * `<name>.json` (the whole result, with the MIME bundles the renderers need) and, for sampler
 * results, `<name>.err` (the statistics table) and the MCMC state in bumps' text formats,
 * gzip-compressed: `<name>-chain.mc.gz`, `<name>-point.mc.gz`, `<name>-stats.mc.gz`.
 * With `{ arviz: true }`, a sampler's result also gets `<name>.zarr`, its draws for ArviZ
 * (`arviz-export.ts`). `loadResult` reads them back into a FitResult that displays exactly as the
 * original, from the `.json` and bumps' files, or from the ArviZ store alone.
 */
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { formatBumpsState, parseBumpsState } from "../mcmc/bumps-format.js";
import { statsTable } from "../mcmc/report.js";
import { FitResult } from "../result.js";
import { isSampledResult, SampledFitResult } from "../samplers/sampled-result.js";
import { arvizGroups, isArvizStore, readArviz } from "./arviz-export.js";
import { decodeInit, decodeSamplesMeta, encodeInit, encodeSamplesMeta } from "./stored-result.js";
import { isZarrGroup, writeZarrStore } from "./zarr-v2.js";

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
  /** `<name>.zarr`, the ArviZ store (with `arviz: true`). */
  arviz?: string;
}

/** Options of {@link saveResult}. */
export interface SaveOptions {
  /** Also write the draws as an ArviZ store, `<name>.zarr` (sampler results only). */
  arviz?: boolean;
}

/** Version of the `<name>.json` layout. */
const STORE_VERSION = 1;
const STORE_KIND = "hpcfit.result";

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
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
 * Sampler results also get `.err` and the three `.mc.gz` files, and with `options.arviz` the
 * ArviZ store `<name>.zarr`.
 * @throws Error for a name that is no plain file name, or `arviz` asked of a result without draws
 */
export async function saveResult(result: FitResult, dir: string, name: string, options: SaveOptions = {}): Promise<StoredFiles> {
  checkName(name);
  if (!(result instanceof FitResult)) throw new TypeError("saveResult: expected a FitResult");
  // The ArviZ layout is made before anything is written, so a result it cannot hold writes nothing.
  let arviz: ReturnType<typeof arvizGroups> | undefined;
  if (options.arviz === true) {
    if (!isSampledResult(result))
      throw new Error(
        `saveResult: the ArviZ export holds posterior draws; a ${result.method} result has none (use dream or smc)`,
      );
    try {
      arviz = arvizGroups(result);
    } catch (e) {
      throw new Error(`saveResult: ${(e as Error).message}`, { cause: e });
    }
  }
  await mkdir(dir, { recursive: true });
  const files: StoredFiles = { par: join(dir, `${name}.par`), json: join(dir, `${name}.json`) };
  const doc: Record<string, unknown> = {
    version: STORE_VERSION,
    kind: STORE_KIND,
    init: encodeInit(result),
    result: result.toJSON(),
  };
  if (isSampledResult(result)) {
    const s = result.samples;
    doc.samples = encodeSamplesMeta(s);
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
  if (arviz !== undefined) {
    files.arviz = join(dir, `${name}.zarr`);
    await writeZarrStore(files.arviz, arviz);
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
 * back with its draws from the `.mc.gz` files and displays exactly as the original. `dir` may
 * also be an ArviZ store written by hpcfit (`<name>.zarr`), and a result whose `.json` is missing
 * is read from its `<name>.zarr` when there is one.
 */
export async function loadResult(dir: string, name?: string): Promise<FitResult> {
  if (name !== undefined) checkName(name);
  if (name === undefined && (await isZarrGroup(dir))) {
    if (!(await isArvizStore(dir)))
      throw new Error(`loadResult: ${dir} is a Zarr store but not an ArviZ export written by hpcfit`);
    return readArviz(dir);
  }
  if (name !== undefined && !(await exists(join(dir, `${name}.json`))) && (await isArvizStore(join(dir, `${name}.zarr`))))
    return readArviz(join(dir, `${name}.zarr`));
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
  const init = decodeInit(doc.init, jsonPath);
  if (doc.samples === undefined) return new FitResult(init);
  const meta = decodeSamplesMeta(doc.samples, jsonPath);
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
