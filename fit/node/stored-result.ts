/**
 * A result as JSON on disk, exactly: the parts of a {@link FitResult} its constructor needs
 * (`init`) and, for a sampler, the run's description that bumps' files do not hold (`samples`).
 * Non-finite numbers are kept as strings ("NaN", "Infinity") so that a round trip is exact. The
 * result store's `<name>.json` and the ArviZ export both carry these shapes.
 */
import type { BumpsStateMeta } from "../mcmc/bumps-format.js";
import type { McmcSamples, OutlierReplacement } from "../mcmc/samples.js";
import type { FitResult, FitResultInit } from "../result.js";
import { STOP_REASONS, type StopReason } from "../stop-reason.js";
import type { FitBundleModel } from "../../schema/fit.js";
import type { McmcUntil } from "../../schema/mcmc.js";

/** JSON cannot hold non-finite numbers; they are kept as strings so a round trip is exact. */
export function enc(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

/** {@link enc} over an array. */
export function encArray(a: ArrayLike<number>): (number | string)[] {
  return Array.from(a, enc);
}

/** Reads a number written by {@link enc}; `what` names it in the error. */
export function dec(v: unknown, what: string): number {
  if (typeof v === "number") return v;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  if (v === "NaN" || v === null) return Number.NaN;
  throw new Error(`${what}: expected a number, got ${JSON.stringify(v)}`);
}

/** Reads an array written by {@link encArray}. */
export function decArray(v: unknown, what: string): Float64Array {
  if (!Array.isArray(v)) throw new Error(`${what}: expected an array`);
  return Float64Array.from(v, (x, i) => dec(x, `${what}[${i}]`));
}

/** The constructor's parts of `result`, JSON-ready. */
export function encodeInit(result: FitResult): Record<string, unknown> {
  return {
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
}

/** Reads what {@link encodeInit} wrote; `where` names the file in errors. */
export function decodeInit(raw: unknown, where: string): FitResultInit {
  if (typeof raw !== "object" || raw === null) throw new Error(`${where}: no result description (init)`);
  const r = raw as Record<string, unknown>;
  const what = (f: string): string => `${where}: init.${f}`;
  if (!Array.isArray(r.labels)) throw new Error(`${what("labels")}: expected an array`);
  return {
    method: String(r.method),
    labels: r.labels.map(String),
    x: decArray(r.x, what("x")),
    cov: decArray(r.cov, what("cov")),
    nllf: dec(r.nllf, what("nllf")),
    chisq: dec(r.chisq, what("chisq")),
    dof: dec(r.dof, what("dof")),
    points: dec(r.points, what("points")),
    evaluations: dec(r.evaluations, what("evaluations")),
    converged: Boolean(r.converged),
    message: String(r.message),
    ...(STOP_REASONS.includes(r.stopped as StopReason) ? { stopped: r.stopped as StopReason } : {}),
    hasUncertainties: Boolean(r.hasUncertainties),
    lower: decArray(r.lower, what("lower")),
    upper: decArray(r.upper, what("upper")),
    models: (r.models ?? []) as FitBundleModel[],
  };
}

/** What describes a sampler's run beside its draws (bumps' files and the ArviZ arrays hold the draws). */
export type SamplesMeta = BumpsStateMeta;

/** The run's description of `s`, JSON-ready. */
export function encodeSamplesMeta(s: McmcSamples): Record<string, unknown> {
  const meta: Record<string, unknown> = {
    sampler: s.sampler,
    labels: s.labels,
    thin: s.thin,
    burn: s.burn,
    evaluations: s.evaluations,
    outliers: s.outliers,
  };
  if (s.particleEss !== undefined) meta.particleEss = enc(s.particleEss);
  if (s.until !== undefined) meta.until = s.until;
  return meta;
}

const UNTIL_ENDINGS: readonly McmcUntil["ended"][] = ["met", "maxTime", "budget", "stopped"];

/** Reads how sampling until targets ended, as {@link encodeSamplesMeta} wrote it. */
function decodeUntil(raw: unknown, where: string): McmcUntil {
  const u = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const targets = (typeof u.targets === "object" && u.targets !== null ? u.targets : null) as Record<string, unknown> | null;
  const target = (v: unknown): boolean => v === undefined || typeof v === "number";
  const worst = (v: unknown): boolean => v === null || typeof v === "number";
  if (
    targets === null ||
    !target(targets.rhat) ||
    !target(targets.ess) ||
    typeof u.met !== "boolean" ||
    !UNTIL_ENDINGS.includes(u.ended as McmcUntil["ended"]) ||
    !worst(u.rhat) ||
    !worst(u.ess) ||
    typeof u.checks !== "number"
  )
    throw new Error(`${where}: samples.until: expected { targets, met, ended, rhat, ess, checks }`);
  return {
    targets: {
      ...(targets.rhat !== undefined ? { rhat: targets.rhat as number } : {}),
      ...(targets.ess !== undefined ? { ess: targets.ess as number } : {}),
    },
    met: u.met,
    ended: u.ended as McmcUntil["ended"],
    rhat: u.rhat as number | null,
    ess: u.ess as number | null,
    checks: u.checks,
  };
}

/** Reads what {@link encodeSamplesMeta} wrote; `where` names the file in errors. */
export function decodeSamplesMeta(raw: unknown, where: string): SamplesMeta {
  if (typeof raw !== "object" || raw === null) throw new Error(`${where}: no sampler description (samples)`);
  const m = raw as Record<string, unknown>;
  if (!Array.isArray(m.labels)) throw new Error(`${where}: samples.labels: expected an array`);
  return {
    sampler: String(m.sampler),
    labels: m.labels.map(String),
    thin: dec(m.thin, `${where}: samples.thin`),
    burn: dec(m.burn, `${where}: samples.burn`),
    evaluations: dec(m.evaluations, `${where}: samples.evaluations`),
    outliers: (m.outliers ?? []) as OutlierReplacement[],
    particleEss: m.particleEss === undefined ? undefined : dec(m.particleEss, `${where}: samples.particleEss`),
    ...(m.until !== undefined ? { until: decodeUntil(m.until, where) } : {}),
  };
}
