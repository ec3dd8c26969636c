/**
 * DREAM's two proposal moves for one chain, writing into a proposal buffer without allocating:
 * - differential evolution with randomised pair counts and randomised subspace (crossover)
 *   sampling (Vrugt et al. 2009, "Accelerating Markov chain Monte Carlo simulation by differential
 *   evolution with self-adaptive randomized subspace sampling", IJNSNS 10, eqs. 3–4);
 * - the snooker update (ter Braak & Vrugt 2008, "Differential Evolution Markov Chain with snooker
 *   updater and fewer chains", Stat. Comput. 18), which needs a Jacobian term in the acceptance.
 */
import type { Random } from "../random.js";

/** Scratch buffers and settings shared by every proposal of a run. */
export interface ProposalWorkspace {
  /** Number of parameters. */
  p: number;
  /** Number of chains. */
  n: number;
  /** Maximum number of chain pairs in a DE difference. */
  dePairs: number;
  /** Probability of a full jump (gamma = 1) that lets chains hop between modes. */
  jumpRate: number;
  /** Half-width of the multiplicative noise `e ~ U(-b, b)` on the DE step. */
  deNoise: number;
  /** Per-dimension population spread, updated every generation (scales the additive noise). */
  spread: Float64Array;
  /** Chain index permutation buffer (length n). */
  perm: Int32Array;
  /** Dimension mask buffer (length p). */
  mask: Uint8Array;
}

/** Makes a workspace for `n` chains of `p` parameters. */
export function proposalWorkspace(p: number, n: number, dePairs = 3, jumpRate = 0.2, deNoise = 0.05): ProposalWorkspace {
  return {
    p,
    n,
    dePairs,
    jumpRate,
    deNoise,
    spread: new Float64Array(p),
    perm: new Int32Array(n),
    mask: new Uint8Array(p),
  };
}

/** Picks `count` distinct chains other than `self` into `ws.perm[0..count)` (partial Fisher–Yates). */
function pickOthers(ws: ProposalWorkspace, self: number, count: number, rng: Random): void {
  const perm = ws.perm;
  const n = ws.n;
  for (let i = 0; i < n; i++) perm[i] = i;
  // Move `self` to the end so that it is never picked.
  perm[self] = n - 1;
  perm[n - 1] = self;
  const m = n - 1;
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(m - i);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
}

/**
 * Differential-evolution proposal for chain `i` from population `x` into `out` (offset `i*p`).
 * `cr` is the crossover probability. Returns the number of dimensions changed.
 */
export function deProposal(
  ws: ProposalWorkspace,
  x: Float64Array,
  i: number,
  cr: number,
  rng: Random,
  out: Float64Array,
): number {
  const { p, n, mask, perm, spread } = ws;
  const maxPairs = Math.max(1, Math.min(ws.dePairs, Math.floor((n - 1) / 2)));
  const pairs = 1 + rng.int(maxPairs);
  pickOthers(ws, i, 2 * pairs, rng);
  let dims = 0;
  for (let k = 0; k < p; k++) {
    mask[k] = rng.uniform() < cr ? 1 : 0;
    dims += mask[k];
  }
  if (dims === 0) {
    mask[rng.int(p)] = 1;
    dims = 1;
  }
  // Optimal scaling of the difference vector for a Gaussian target (Vrugt 2009, eq. 4).
  const gamma = rng.uniform() < ws.jumpRate ? 1 : 2.38 / Math.sqrt(2 * pairs * dims);
  const o = i * p;
  for (let k = 0; k < p; k++) {
    if (!mask[k]) {
      out[o + k] = x[o + k];
      continue;
    }
    let d = 0;
    for (let j = 0; j < pairs; j++) d += x[perm[2 * j] * p + k] - x[perm[2 * j + 1] * p + k];
    const e = ws.deNoise * (2 * rng.uniform() - 1);
    out[o + k] = x[o + k] + (1 + e) * gamma * d + 1e-6 * spread[k] * rng.normal();
  }
  return dims;
}

/**
 * Snooker proposal for chain `i` into `out`; returns the log of the acceptance correction
 * `(p - 1) log(|x' - z| / |x - z|)`, or NaN when the move is degenerate (then use DE).
 */
export function snookerProposal(ws: ProposalWorkspace, x: Float64Array, i: number, rng: Random, out: Float64Array): number {
  const { p, n, perm } = ws;
  if (n < 4) return Number.NaN;
  pickOthers(ws, i, 3, rng);
  const zo = perm[0] * p;
  const r1 = perm[1] * p;
  const r2 = perm[2] * p;
  const o = i * p;
  let dd = 0;
  for (let k = 0; k < p; k++) {
    const d = x[o + k] - x[zo + k];
    dd += d * d;
  }
  if (!(dd > 0)) return Number.NaN;
  // Project r1 - r2 onto the line through x and z.
  let proj = 0;
  for (let k = 0; k < p; k++) proj += (x[r1 + k] - x[r2 + k]) * (x[o + k] - x[zo + k]);
  proj /= dd;
  const gamma = 1.2 + rng.uniform();
  let nd = 0;
  for (let k = 0; k < p; k++) {
    const v = x[o + k] + gamma * proj * (x[o + k] - x[zo + k]);
    out[o + k] = v;
    const d = v - x[zo + k];
    nd += d * d;
  }
  if (!(nd > 0)) return Number.NaN;
  return 0.5 * (p - 1) * Math.log(nd / dd);
}
