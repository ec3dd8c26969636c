/**
 * A sampler's result as an ArviZ InferenceData store (Zarr v2, see `zarr-v2.ts`), for the tools
 * papers are made with: `xarray.open_datatree(path, engine="zarr")` then
 * `arviz.InferenceData.from_datatree` (or `arviz.from_zarr` with zarr-python 2, or
 * `xarray.open_zarr(path, group="posterior")`). Groups:
 *
 * - `posterior`: one variable per fitted parameter, dimensions (`chain`, `draw`). DREAM's chains
 *   are its chains and its kept draws the draws; SMC's particles are one chain of draws.
 * - `sample_stats`: `lp`, the log-posterior of each draw (`-nllf`, up to a constant), and for
 *   DREAM `acceptance_rate`: the fraction of all chains' proposals accepted over the generations
 *   that led to the draw (DREAM records acceptance per generation, not per chain). The run's
 *   per-generation record (`generation_lp`, `generation_acceptance_rate`, `generation_draws`,
 *   crossover weights) is kept too, on dimensions of its own, so the store alone rebuilds the
 *   result.
 * - `observed_data`: each model's `x`, `y` and `dy` (prefixed by the model's name when the
 *   problem has several), dimension `point` (and `response` for several responses).
 *
 * Every group and the root carry `inference_library` ("hpcfit"), `inference_library_version`,
 * `created_at` (ISO 8601, UTC) and `sampler`; the root also carries `hpcfit_result`, the result's
 * description as JSON text (`stored-result.ts`), which {@link readArviz} uses with the arrays to
 * give back a result that displays exactly as the original.
 */
import { McmcSamples } from "../mcmc/samples.js";
import type { FitResult } from "../result.js";
import { isSampledResult, SampledFitResult } from "../samplers/sampled-result.js";
import { decodeInit, decodeSamplesMeta, encodeInit, encodeSamplesMeta } from "./stored-result.js";
import {
  isZarrGroup,
  readGroupAttrs,
  readZarrArray,
  writeZarrStore,
  type JsonValue,
  type ZarrArray,
  type ZarrGroup,
} from "./zarr-v2.js";
import { packageVersion } from "../../util/paths.js";
import type { FitBundleModel } from "../../schema/fit.js";

/** The value of `inference_library` in an hpcfit export. */
export const INFERENCE_LIBRARY = "hpcfit";
/** Version of the layout above (root attribute `hpcfit_arviz_version`). */
const LAYOUT_VERSION = 1;

/** Whether the draws are SMC's particles (one chain) rather than chains of a chain sampler. */
function isParticles(s: McmcSamples): boolean {
  return s.particleEss !== undefined;
}

function floats(
  name: string,
  dims: string[],
  shape: number[],
  data: ArrayLike<number>,
  attrs?: Record<string, JsonValue>,
): ZarrArray {
  return { name, dims, shape, dtype: "<f8", data: Float64Array.from(data), ...(attrs ? { attrs } : {}) };
}

function indices(name: string, n: number): ZarrArray {
  return { name, dims: [name], shape: [n], dtype: "<i8", data: Float64Array.from({ length: n }, (_, i) => i) };
}

/** A parameter or model name as a variable name: the store's directories cannot hold "/" or start with ".". */
function variableName(name: string): string {
  const safe = name.replace(/[/\\\0]/g, "_");
  return safe.startsWith(".") ? `_${safe}` : safe;
}

/**
 * The (chain, draw) layout of the kept draws: DREAM's `points[(t·nc + c)·p + k]` become
 * `[c][t]`; SMC's particles become one chain.
 */
function posteriorShape(s: McmcSamples): { chains: number; draws: number; at: (c: number, d: number) => number } {
  if (isParticles(s)) return { chains: 1, draws: s.size, at: (_c, d) => d };
  return { chains: s.nchains, draws: s.nthin, at: (c, d) => d * s.nchains + c };
}

/** The per-draw acceptance of a DREAM run (undefined when the record does not reach every draw). */
function drawAcceptance(s: McmcSamples): Float64Array | undefined {
  if (isParticles(s) || s.thin < 1) return undefined;
  const out = new Float64Array(s.nthin);
  for (let t = 0; t < s.nthin; t++) {
    // Kept draw t is the state after generation burn + (t + 1)·thin − 1 (see DreamState.keepIfDue).
    const last = s.burn + (t + 1) * s.thin - 1;
    if (last >= s.genAcceptance.length) return undefined;
    let sum = 0;
    for (let g = last - s.thin + 1; g <= last; g++) sum += s.genAcceptance[g];
    out[t] = sum / s.thin;
  }
  return out;
}

function observedArrays(models: FitBundleModel[]): ZarrArray[] {
  const plotted = models.filter((m) => m.kind !== "nllf" && m.y.length > 0);
  const arrays: ZarrArray[] = [];
  const used = new Set<string>();
  plotted.forEach((m, i) => {
    let prefix = plotted.length === 1 ? "" : `${variableName(m.name)}_`;
    if (prefix !== "" && used.has(prefix)) prefix = `${variableName(m.name)}${i + 1}_`;
    used.add(prefix);
    const n = m.y[0].length;
    const point = `${prefix}point`;
    const responses = m.y.length;
    const dims = responses > 1 ? [`${prefix}response`, point] : [point];
    const shape = responses > 1 ? [responses, n] : [n];
    const flat = (rows: (number | null)[][]): number[] => rows.flatMap((r) => r.map((v) => v ?? Number.NaN));
    if (m.x !== null) arrays.push(floats(`${prefix}x`, [point], [n], m.x));
    arrays.push(floats(`${prefix}y`, dims, shape, flat(m.y), { model: m.name }));
    arrays.push(floats(`${prefix}dy`, dims, shape, flat(m.dy), { model: m.name, given: m.hasUncertainties }));
  });
  return arrays;
}

/** The groups of the store for `result` (a sampler's result). */
export function arvizGroups(result: SampledFitResult, createdAt: Date = new Date()): ZarrGroup[] {
  const s = result.samples;
  const p = s.nparams;
  const shape = posteriorShape(s);
  const dims = ["chain", "draw"];
  const size = [shape.chains, shape.draws];
  const column = (value: (i: number) => number): Float64Array => {
    const out = new Float64Array(shape.chains * shape.draws);
    for (let c = 0; c < shape.chains; c++) for (let d = 0; d < shape.draws; d++) out[c * shape.draws + d] = value(shape.at(c, d));
    return out;
  };
  const common: Record<string, JsonValue> = {
    inference_library: INFERENCE_LIBRARY,
    inference_library_version: packageVersion(),
    created_at: createdAt.toISOString(),
    sampler: s.sampler,
  };
  const names = new Set<string>();
  const posterior = s.labels.map((label, k) => {
    const name = variableName(label);
    if (names.has(name) || name === "chain" || name === "draw")
      throw new Error(`arviz: parameter name ${JSON.stringify(label)} clashes with another variable of the posterior`);
    names.add(name);
    return floats(
      name,
      dims,
      size,
      column((i) => s.points[i * p + k]),
      { parameter: label },
    );
  });
  const stats: ZarrArray[] = [
    indices("chain", shape.chains),
    indices("draw", shape.draws),
    floats(
      "lp",
      dims,
      size,
      column((i) => s.logp[i]),
    ),
  ];
  const acceptance = drawAcceptance(s);
  if (acceptance !== undefined)
    stats.push(
      floats(
        "acceptance_rate",
        dims,
        size,
        column((i) => acceptance[Math.floor(i / s.nchains)]),
      ),
    );
  const generations = s.genAcceptance.length;
  stats.push(
    floats("generation_acceptance_rate", ["generation"], [generations], s.genAcceptance),
    floats("generation_draws", ["generation"], [generations], s.genDraws),
    floats("generation_lp", ["generation", "walker"], [generations, s.nchains], s.genLogp),
    floats("cr_draws", ["cr_update"], [s.crDraws.length], s.crDraws),
    floats("cr_weights", ["cr_update", "cr"], [s.crDraws.length, s.ncr], s.crWeights),
  );
  const groups: ZarrGroup[] = [
    {
      path: "",
      attrs: {
        ...common,
        hpcfit_arviz_version: LAYOUT_VERSION,
        hpcfit_result: JSON.stringify({ init: encodeInit(result), samples: encodeSamplesMeta(s), generations: s.generations }),
      },
      arrays: [],
    },
    {
      path: "posterior",
      attrs: { ...common, burn: s.burn, thin: s.thin },
      arrays: [indices("chain", shape.chains), indices("draw", shape.draws), ...posterior],
    },
    { path: "sample_stats", attrs: common, arrays: stats },
  ];
  const observed = observedArrays(result.models);
  if (observed.length > 0) groups.push({ path: "observed_data", attrs: common, arrays: observed });
  return groups;
}

/**
 * Writes `result`'s draws as an ArviZ store at `path` (a directory, replaced if it exists).
 * @throws Error when the result holds no draws (an optimizer's result)
 */
export async function writeArviz(result: FitResult, path: string): Promise<void> {
  if (!isSampledResult(result))
    throw new Error(`the ArviZ export holds posterior draws; a ${result.method} result has none (use dream or smc)`);
  await writeZarrStore(path, arvizGroups(result));
}

/** Whether `path` is an ArviZ store written by hpcfit. */
export async function isArvizStore(path: string): Promise<boolean> {
  if (!(await isZarrGroup(path))) return false;
  try {
    return (await readGroupAttrs(path)).inference_library === INFERENCE_LIBRARY;
  } catch {
    return false;
  }
}

/** Reads the result written by {@link writeArviz} at `path`. */
export async function readArviz(path: string): Promise<SampledFitResult> {
  const attrs = await readGroupAttrs(path);
  if (attrs.inference_library !== INFERENCE_LIBRARY || typeof attrs.hpcfit_result !== "string")
    throw new Error(`${path} is a Zarr store but not an ArviZ export written by hpcfit (no hpcfit_result attribute)`);
  const doc = JSON.parse(attrs.hpcfit_result) as Record<string, unknown>;
  const init = decodeInit(doc.init, path);
  const meta = decodeSamplesMeta(doc.samples, path);
  const p = meta.labels.length;
  const variables = await Promise.all(meta.labels.map((label) => readZarrArray(`${path}/posterior/${variableName(label)}`)));
  const lp = await readZarrArray(`${path}/sample_stats/lp`);
  const [chains, draws] = lp.shape;
  for (const v of variables)
    if (v.shape[0] !== chains || v.shape[1] !== draws)
      throw new Error(`${path}: posterior/${v.name} has shape [${v.shape.join(", ")}], lp has [${chains}, ${draws}]`);
  const particles = meta.particleEss !== undefined;
  const nchains = particles ? draws : chains;
  const nthin = particles ? 1 : draws;
  const points = new Float64Array(nchains * nthin * p);
  const logp = new Float64Array(nchains * nthin);
  for (let c = 0; c < chains; c++) {
    for (let d = 0; d < draws; d++) {
      const i = particles ? d : d * nchains + c;
      logp[i] = lp.data[c * draws + d];
      for (let k = 0; k < p; k++) points[i * p + k] = variables[k].data[c * draws + d];
    }
  }
  const read = (name: string): Promise<Float64Array> => readZarrArray(`${path}/sample_stats/${name}`).then((a) => a.data);
  const crWeights = await readZarrArray(`${path}/sample_stats/cr_weights`);
  const samples = new McmcSamples({
    ...meta,
    nchains,
    nthin,
    generations: typeof doc.generations === "number" ? doc.generations : (await read("generation_acceptance_rate")).length,
    points,
    logp,
    genDraws: await read("generation_draws"),
    genAcceptance: await read("generation_acceptance_rate"),
    genLogp: await read("generation_lp"),
    ncr: crWeights.shape[1] ?? 0,
    crDraws: await read("cr_draws"),
    crWeights: crWeights.data,
  });
  return new SampledFitResult({ ...init, samples });
}
