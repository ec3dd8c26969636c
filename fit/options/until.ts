/**
 * Convergence targets as the `until` fit option takes them: `{ rhat: 1.01, ess: 1000 }` in code,
 * `rhat=1.01,ess=1000` as a flag. A sampler given targets keeps sampling until every parameter's
 * R̂ is at most `rhat` and its bulk- and tail-ESS at least `ess`, or its budget ends.
 */

/** Targets every sampled parameter must reach; at least one is given. */
export interface UntilTargets {
  /** Largest acceptable rank-normalized R̂ (> 1). */
  rhat?: number;
  /** Smallest acceptable bulk- and tail-ESS (> 0). */
  ess?: number;
}

/** What `until` may look like, for error messages and help texts. */
export const UNTIL_FORMS = 'targets { rhat?: number > 1, ess?: number > 0 } with at least one (as a flag: "rhat=1.01,ess=1000")';

/** True when `v` is a valid {@link UntilTargets}. */
export function isUntilTargets(v: unknown): v is UntilTargets {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  if (keys.length === 0 || keys.some((k) => k !== "rhat" && k !== "ess")) return false;
  const { rhat, ess } = v as Record<string, unknown>;
  if (rhat !== undefined && !(typeof rhat === "number" && Number.isFinite(rhat) && rhat > 1)) return false;
  if (ess !== undefined && !(typeof ess === "number" && Number.isFinite(ess) && ess > 0)) return false;
  return rhat !== undefined || ess !== undefined;
}

/**
 * The targets a flag's text stands for (`rhat=1.01,ess=1000`, either alone, in any order, with
 * commas or spaces between); text that is not of that form is returned as it is, so that the
 * option's check names it.
 */
export function parseUntil(text: string): UntilTargets | string {
  const parts = text
    .trim()
    .split(/[\s,]+/)
    .filter((p) => p !== "");
  const out: Record<string, number> = {};
  for (const part of parts) {
    const m = /^(rhat|ess)=([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/.exec(part);
    if (!m || m[1] in out) return text;
    out[m[1]] = Number(m[2]);
  }
  return isUntilTargets(out) ? out : text;
}
