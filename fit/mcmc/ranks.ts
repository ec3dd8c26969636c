/**
 * Rank normalization of pooled draws (Vehtari et al. 2021, § 4.1): each draw is replaced by the
 * normal score of its rank among all draws, ties taking their average rank.
 *
 * A sampler's result ranks every parameter's draws twice (as they are, and folded about their
 * median), often 10⁵ draws or more, so the order of the draws is found by a radix sort of their
 * bits rather than by comparisons, and the folded draws' order is merged from the draws' own.
 */
import { normalQuantile } from "./quantile-functions.js";

/** Below this many values a comparison sort is as quick as the radix sort's counting tables. */
const RADIX_FROM = 2048;

/** Bits of the sort key per radix pass, and the passes a 64-bit key takes. */
const DIGIT = 11;
const PASSES = 6;

/**
 * Where pass p's digit sits in a key split into 32-bit words (low, high): the digit is
 * `((low >>> lowShift) & lowMask) | (((high >>> highShift) & highMask) << highAt)`.
 */
const DIGITS = Array.from({ length: PASSES }, (_, p) => {
  const at = p * DIGIT;
  const lowBits = Math.max(0, Math.min(DIGIT, 32 - at));
  return {
    lowShift: Math.min(at, 31),
    lowMask: (1 << lowBits) - 1,
    highShift: Math.max(0, at - 32),
    highMask: (1 << Math.min(DIGIT - lowBits, 64 - Math.max(at, 32))) - 1,
    highAt: lowBits,
  };
});

/**
 * The indices of `x` in ascending order of their values (−0 before +0, equal values in index
 * order). `x` must hold no NaN.
 */
export function ascendingOrder(x: Float64Array): Uint32Array {
  const s = x.length;
  if (s < RADIX_FROM)
    return Uint32Array.from({ length: s }, (_, i) => i).sort(
      (a, b) => x[a] - x[b] || (x[a] === 0 && 1 / x[a] - 1 / x[b]) || a - b, // 1/−0 = −∞ puts −0 first
    );
  // The bits of a double, read as an unsigned integer, order as the doubles do once the sign bit of
  // a positive number is set and every bit of a negative one flipped.
  const bits = new Uint32Array(Float64Array.from(x).buffer);
  let low = new Uint32Array(s);
  let high = new Uint32Array(s);
  let order = new Uint32Array(s);
  for (let i = 0; i < s; i++) {
    const h = bits[2 * i + 1];
    const negative = h >>> 31 === 1;
    high[i] = negative ? ~h >>> 0 : (h | 0x80000000) >>> 0;
    low[i] = negative ? ~bits[2 * i] >>> 0 : bits[2 * i];
    order[i] = i;
  }
  const buckets = 1 << DIGIT;
  const counts = new Uint32Array(PASSES * buckets);
  for (let p = 0; p < PASSES; p++) {
    const { lowShift, lowMask, highShift, highMask, highAt } = DIGITS[p];
    const base = p * buckets;
    for (let i = 0; i < s; i++)
      counts[base + (((low[i] >>> lowShift) & lowMask) | (((high[i] >>> highShift) & highMask) << highAt))]++;
  }
  // Least significant digit first; each pass is stable, so the whole sort is. The keys move with
  // their indices, so that every pass reads in order.
  let nextLow = new Uint32Array(s);
  let nextHigh = new Uint32Array(s);
  let nextOrder = new Uint32Array(s);
  for (let p = 0; p < PASSES; p++) {
    const { lowShift, lowMask, highShift, highMask, highAt } = DIGITS[p];
    const base = p * buckets;
    const first = ((low[0] >>> lowShift) & lowMask) | (((high[0] >>> highShift) & highMask) << highAt);
    if (counts[base + first] === s) continue; // every key has the same digit here
    let start = 0;
    for (let d = 0; d < buckets; d++) {
      const c = counts[base + d];
      counts[base + d] = start;
      start += c;
    }
    for (let k = 0; k < s; k++) {
      const l = low[k];
      const h = high[k];
      const at = counts[base + (((l >>> lowShift) & lowMask) | (((h >>> highShift) & highMask) << highAt))]++;
      nextLow[at] = l;
      nextHigh[at] = h;
      nextOrder[at] = order[k];
    }
    [low, nextLow] = [nextLow, low];
    [high, nextHigh] = [nextHigh, high];
    [order, nextOrder] = [nextOrder, order];
  }
  return order;
}

/** `x`'s values in the order `order` gives (ascending, for {@link ascendingOrder}'s). */
export function gather(x: Float64Array, order: Uint32Array): Float64Array {
  const out = new Float64Array(order.length);
  for (let k = 0; k < order.length; k++) out[k] = x[order[k]];
  return out;
}

let keptScores = new Float64Array(0);

/**
 * Φ⁻¹((r − 3/8) / (s + 1/4)) for the untied ranks r = 1 … s, kept for the next call of the same
 * size: every parameter of a result, folded or not, is ranked among as many draws.
 */
function untiedScores(s: number): Float64Array {
  if (keptScores.length !== s) {
    keptScores = new Float64Array(s);
    for (let i = 0; i < s; i++) keptScores[i] = normalQuantile((i + 1 - 0.375) / (s + 0.25));
  }
  return keptScores;
}

/**
 * Normal scores of pooled ranks (ties get their average rank), with Blom's offset:
 * z = Φ⁻¹((r − 3/8) / (S + 1/4)), at the draws' own places. `order` is the draws'
 * {@link ascendingOrder} and `sorted` their values in that order.
 */
export function normalScores(order: Uint32Array, sorted: Float64Array): Float64Array {
  const s = order.length;
  if (sorted.length !== s) throw new Error(`normalScores: ${sorted.length} sorted values for an order of ${s}`);
  const untied = untiedScores(s);
  const z = new Float64Array(s);
  for (let i = 0; i < s;) {
    let j = i + 1;
    while (j < s && sorted[j] === sorted[i]) j++;
    // The average of the 1-based ranks i+1 .. j; a rank alone is i + 1 exactly, as the table has it.
    const v = j === i + 1 ? untied[i] : normalQuantile(((i + 1 + j) / 2 - 0.375) / (s + 0.25));
    for (let k = i; k < j; k++) z[order[k]] = v;
    i = j;
  }
  return z;
}

/**
 * Normal scores of the pooled ranks of `x` (ties get their average rank), with Blom's offset:
 * z = Φ⁻¹((r − 3/8) / (S + 1/4)). `x` must hold no NaN.
 */
export function rankNormalize(x: Float64Array): Float64Array {
  const order = ascendingOrder(x);
  return normalScores(order, gather(x, order));
}

/**
 * The distances `|x − centre|`, their ascending order and their values in that order, from `x`'s
 * ascending `order` and `sorted` values: the distances fall towards the centre and rise after it,
 * so the two runs are merged, not sorted.
 */
export function foldedAbout(
  x: Float64Array,
  order: Uint32Array,
  sorted: Float64Array,
  centre: number,
): { x: Float64Array; order: Uint32Array; sorted: Float64Array } {
  const s = x.length;
  const folded = new Float64Array(s);
  for (let i = 0; i < s; i++) folded[i] = Math.abs(x[i] - centre);
  const outOrder = new Uint32Array(s);
  const outSorted = new Float64Array(s);
  // sorted[..split) are below the centre (walked down from split − 1), sorted[split..] are not (walked up).
  let lo = 0;
  let hi = s;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < centre) lo = mid + 1;
    else hi = mid;
  }
  let below = lo - 1;
  let above = lo;
  for (let k = 0; k < s; k++) {
    // The distances as `folded` has them: |v − c| is v − c or c − v, the same number either way.
    const up = above < s ? Math.abs(sorted[above] - centre) : Infinity;
    const down = below >= 0 ? Math.abs(sorted[below] - centre) : Infinity;
    if (above < s && (below < 0 || up <= down)) {
      outOrder[k] = order[above++];
      outSorted[k] = up;
    } else {
      outOrder[k] = order[below--];
      outSorted[k] = down;
    }
  }
  return { x: folded, order: outOrder, sorted: outSorted };
}
