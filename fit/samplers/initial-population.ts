/**
 * Starting points of a population sampler, as bumps offers them: `eps` (a tight ball around the
 * start point), `lhs` (a Latin hypercube over the bounds; McKay, Beckman & Conover 1979,
 * Technometrics 21), `cov` (normal around the start point with the least-squares covariance
 * `(J^T J)^-1`) and `random` (draws from the parameters' priors); and `fit`, normal around a fit's
 * best point with the fit's covariance (the sampler method fits first, or takes a given result).
 */
import type { Random } from "../random.js";
import type { Problem } from "../types.js";
import { FIT_OPTIONS } from "../options/definitions.js";
import { reflectInto } from "./bounds.js";
import { cholesky, correlatedNormal, inverseSpd } from "./cholesky.js";

/** How to place the initial population. */
export type InitMethod = (typeof FIT_OPTIONS.init.values)[number];

/** The accepted names of {@link InitMethod} (those of the `init` fit option). */
export const INIT_METHODS: readonly InitMethod[] = FIT_OPTIONS.init.values;

/** A scale per dimension: the bounded width, else the magnitude of the start value (at least 1). */
function scales(x0: Float64Array, lower: Float64Array, upper: Float64Array): Float64Array {
  const s = new Float64Array(x0.length);
  for (let k = 0; k < x0.length; k++) {
    const w = upper[k] - lower[k];
    s[k] = Number.isFinite(w) && w > 0 ? w : Math.max(Math.abs(x0[k]), 1);
  }
  return s;
}

/**
 * Least-squares covariance `(J^T J)^-1` at `x0` by central differences of the residuals, or the
 * inverse Hessian of the nllf by central differences when the problem has no residuals.
 * Undefined when singular.
 */
export function startCovariance(problem: Problem, x0: Float64Array, scale: Float64Array): Float64Array | undefined {
  const p = x0.length;
  const x = Float64Array.from(x0);
  const m = problem.residualCount();
  if (m > 0) {
    const j = new Float64Array(m * p);
    const rp = new Float64Array(m);
    const rm = new Float64Array(m);
    for (let k = 0; k < p; k++) {
      const h = 1e-6 * Math.max(Math.abs(x0[k]), 1e-3 * scale[k]);
      x[k] = x0[k] + h;
      problem.residuals(x, rp);
      x[k] = x0[k] - h;
      problem.residuals(x, rm);
      x[k] = x0[k];
      for (let i = 0; i < m; i++) j[i * p + k] = (rp[i] - rm[i]) / (2 * h);
    }
    problem.setValues(x0);
    const jtj = new Float64Array(p * p);
    for (let a = 0; a < p; a++)
      for (let b = 0; b <= a; b++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += j[i * p + a] * j[i * p + b];
        jtj[a * p + b] = s;
        jtj[b * p + a] = s;
      }
    return inverseSpd(jtj, p);
  }
  const f0 = problem.nllf(x0);
  const hess = new Float64Array(p * p);
  const h = new Float64Array(p);
  for (let k = 0; k < p; k++) h[k] = 1e-4 * Math.max(Math.abs(x0[k]), 1e-3 * scale[k]);
  for (let a = 0; a < p; a++)
    for (let b = 0; b <= a; b++) {
      let v: number;
      if (a === b) {
        x[a] = x0[a] + h[a];
        const fp = problem.nllf(x);
        x[a] = x0[a] - h[a];
        const fm = problem.nllf(x);
        x[a] = x0[a];
        v = (fp - 2 * f0 + fm) / (h[a] * h[a]);
      } else {
        const f = (sa: number, sb: number): number => {
          x[a] = x0[a] + sa * h[a];
          x[b] = x0[b] + sb * h[b];
          const r = problem.nllf(x);
          x[a] = x0[a];
          x[b] = x0[b];
          return r;
        };
        v = (f(1, 1) - f(1, -1) - f(-1, 1) + f(-1, -1)) / (4 * h[a] * h[b]);
      }
      hess[a * p + b] = v;
      hess[b * p + a] = v;
    }
  problem.setValues(x0);
  return inverseSpd(hess, p);
}

/**
 * Fills `pop` (row-major n × p) with initial points. The first row is always the start point
 * itself, as in bumps, so a good start is never lost. `fit` draws from `fitCovariance` (a fit's
 * covariance at the start point) when given, else as `cov` does.
 */
export function initialPopulation(
  problem: Problem,
  method: InitMethod,
  n: number,
  rng: Random,
  pop: Float64Array,
  fitCovariance?: Float64Array,
): void {
  const x0 = Float64Array.from(problem.getValues());
  const p = x0.length;
  const { lower, upper } = problem.bounds();
  const scale = scales(x0, lower, upper);
  let l: Float64Array | undefined;
  if (method === "cov" || method === "fit") {
    const given =
      method === "fit" && fitCovariance !== undefined && fitCovariance.every(Number.isFinite) ? fitCovariance : undefined;
    const cov = given ?? startCovariance(problem, x0, scale);
    l = cov ? cholesky(cov, p) : undefined;
  }
  const z = new Float64Array(p);
  const normal = (): number => rng.normal();
  if (method === "lhs") {
    // One stratum per point and dimension, the strata shuffled independently per dimension.
    const perm = new Int32Array(n);
    for (let k = 0; k < p; k++) {
      for (let i = 0; i < n; i++) perm[i] = i;
      rng.shuffle(perm);
      const finite = Number.isFinite(lower[k]) && Number.isFinite(upper[k]);
      const lo = finite ? lower[k] : x0[k] - scale[k];
      const w = finite ? upper[k] - lower[k] : 2 * scale[k];
      for (let i = 0; i < n; i++) pop[i * p + k] = lo + ((perm[i] + rng.uniform()) / n) * w;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const o = i * p;
      if (method === "random") {
        pop.set(problem.randomPoint(rng), o);
      } else if ((method === "cov" || method === "fit") && l) {
        correlatedNormal(l, p, x0, 1, normal, z, pop, o);
      } else {
        // "eps", and "cov" or "fit" when the covariance is singular: a tight ball around the start.
        for (let k = 0; k < p; k++) pop[o + k] = x0[k] + 1e-6 * scale[k] * rng.normal();
      }
      reflectInto(pop, o, p, lower, upper);
    }
  }
  pop.set(x0, 0);
}
