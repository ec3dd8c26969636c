import { FIT_BUNDLE_VERSIONS_READ, type FitBundle } from "../../../schema/fit.js";
import type { McmcBundle } from "../../../schema/mcmc.js";

/** A validated bundle, or a message saying exactly what is wrong with it. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function numberArray(v: unknown): boolean {
  return Array.isArray(v) && v.every((x) => x === null || typeof x === "number");
}

/**
 * Checks what the renderer needs of an `application/vnd.hpcfit.fit+json` bundle; the kernel is
 * trusted to send the shape, but a notebook saved by another version may not match it.
 */
export function checkFitBundle(data: unknown): Checked<FitBundle> {
  if (!isObject(data)) return { ok: false, error: "the fit bundle is not a JSON object" };
  if (typeof data.version !== "number" || !FIT_BUNDLE_VERSIONS_READ.includes(data.version))
    return {
      ok: false,
      error: `unsupported fit bundle version ${JSON.stringify(data.version)} (this extension reads versions ${FIT_BUNDLE_VERSIONS_READ.join(" and ")})`,
    };
  if (!Array.isArray(data.parameters)) return { ok: false, error: "fit bundle has no parameters array" };
  for (const [i, p] of (data.parameters as unknown[]).entries()) {
    if (!isObject(p) || typeof p.name !== "string" || typeof p.value !== "number")
      return { ok: false, error: `parameters[${i}] needs a name and a numeric value` };
  }
  if (!Array.isArray(data.models)) return { ok: false, error: "fit bundle has no models array" };
  for (const [i, m] of (data.models as unknown[]).entries()) {
    if (!isObject(m)) return { ok: false, error: `models[${i}] is not an object` };
    if (!Array.isArray(m.y) || !m.y.every(numberArray))
      return { ok: false, error: `models[${i}].y must be an array of number arrays` };
    if (!Array.isArray(m.dy) || !Array.isArray(m.fx) || !Array.isArray(m.residuals))
      return { ok: false, error: `models[${i}] needs dy, fx and residuals arrays` };
    if (m.x !== null && !numberArray(m.x)) return { ok: false, error: `models[${i}].x must be a number array or null` };
    const n = (m.y as unknown[][])[0]?.length ?? 0;
    if (m.x !== null && (m.x as unknown[]).length !== n)
      return { ok: false, error: `models[${i}].x has ${(m.x as unknown[]).length} points but y has ${n}` };
    const bands = checkBands(m.curve, (m.y as unknown[]).length);
    if (bands !== undefined) return { ok: false, error: `models[${i}].curve.bands: ${bands}` };
  }
  return { ok: true, value: data as unknown as FitBundle };
}

/**
 * What is wrong with a curve's bands (version 2), or undefined when there are none or they fit:
 * each end has one row per response, each as long as the curve.
 */
function checkBands(curve: unknown, responses: number): string | undefined {
  if (!isObject(curve) || curve.bands === undefined) return undefined;
  const bands = curve.bands;
  if (!isObject(bands)) return "not an object";
  const length = Array.isArray(curve.x) ? curve.x.length : -1;
  for (const key of ["lower68", "upper68", "lower95", "upper95"]) {
    const rows = bands[key];
    if (!Array.isArray(rows) || rows.length !== responses) return `${key} must have one row per response (${responses})`;
    for (const row of rows as unknown[]) {
      if (!numberArray(row) || (row as unknown[]).length !== length)
        return `${key} rows must be number arrays as long as curve.x`;
    }
  }
  return undefined;
}

/** Checks what the renderer needs of an `application/vnd.hpcfit.mcmc+json` bundle. */
export function checkMcmcBundle(data: unknown): Checked<McmcBundle> {
  if (!isObject(data)) return { ok: false, error: "the MCMC bundle is not a JSON object" };
  if (data.version !== 1)
    return {
      ok: false,
      error: `unsupported MCMC bundle version ${JSON.stringify(data.version)} (this extension reads version 1)`,
    };
  if (!Array.isArray(data.labels) || !data.labels.every((l) => typeof l === "string"))
    return { ok: false, error: "MCMC bundle labels must be an array of names" };
  const k = data.labels.length;
  if (!Array.isArray(data.points)) return { ok: false, error: "MCMC bundle has no points array" };
  for (const [t, row] of (data.points as unknown[]).entries()) {
    if (!Array.isArray(row)) return { ok: false, error: `points[${t}] is not an array of chains` };
    for (const [c, draw] of row.entries()) {
      if (!Array.isArray(draw) || draw.length !== k)
        return { ok: false, error: `points[${t}][${c}] must hold ${k} values (one per label)` };
    }
  }
  if (!Array.isArray(data.logp) || data.logp.length !== data.points.length)
    return { ok: false, error: "logp must have one row per kept draw" };
  if (!Array.isArray(data.stats) || data.stats.length !== k)
    return { ok: false, error: `stats must have ${k} entries (one per label)` };
  if (!isObject(data.diagnostics)) return { ok: false, error: "MCMC bundle has no diagnostics" };
  if (!Array.isArray(data.generationLogp) || !Array.isArray(data.generationIndex))
    return { ok: false, error: "MCMC bundle needs generationLogp and generationIndex" };
  if (!Array.isArray(data.warnings)) return { ok: false, error: "MCMC bundle warnings must be an array" };
  return { ok: true, value: data as unknown as McmcBundle };
}
