// The parts the convergence diagnostics are built of, against the plain computations they
// replace: the radix order of draws against a comparison sort, the normal scores of ranks against
// a sort of indices, the folded draws' merged order against a sort, and the paired-chain FFT
// autocovariance against the direct sum over lags.
import { describe, expect, test } from "vitest";
import { meanAutocovariance } from "../../fit/mcmc/autocovariance.js";
import { normalQuantile } from "../../fit/mcmc/quantile-functions.js";
import { ascendingOrder, foldedAbout, gather, normalScores, rankNormalize } from "../../fit/mcmc/ranks.js";
import { Random } from "../../fit/random.js";

/** Draws with every kind of value a sort can get wrong: ties, ±0, negatives, wide exponents. */
function awkward(rng: Random, size: number): Float64Array {
  return Float64Array.from({ length: size }, (_, i) => {
    const u = rng.uniform();
    if (u < 0.1) return i % 2 === 0 ? 0 : -0;
    if (u < 0.3) return Math.round(3 * rng.normal());
    if (u < 0.4) return rng.normal() * 1e-200;
    if (u < 0.5) return -rng.uniform() * 1e200;
    return 238.9 + rng.normal() * 1e-6;
  });
}

/** Normal scores of pooled ranks, ties averaged, by sorting indices with comparisons. */
function plainScores(x: Float64Array): Float64Array {
  const s = x.length;
  const order = Array.from({ length: s }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const z = new Float64Array(s);
  for (let i = 0; i < s;) {
    let j = i + 1;
    while (j < s && x[order[j]] === x[order[i]]) j++;
    const score = normalQuantile(((i + 1 + j) / 2 - 0.375) / (s + 0.25));
    for (let k = i; k < j; k++) z[order[k]] = score;
    i = j;
  }
  return z;
}

describe("rank normalization", () => {
  test.each([50, 2047, 2048, 30000])("the order of %i awkward draws is a stable ascending sort, −0 before +0", (size) => {
    const x = awkward(new Random(size), size);
    const order = ascendingOrder(x);
    expect(gather(x, order)).toEqual(Float64Array.from(x).sort());
    const seen = new Uint8Array(size);
    for (let k = 0; k < size; k++) seen[order[k]]++;
    expect(seen.every((c) => c === 1)).toBe(true);
    for (let k = 1; k < size; k++) if (Object.is(x[order[k]], x[order[k - 1]])) expect(order[k]).toBeGreaterThan(order[k - 1]);
  });

  test.each([50, 30000])("normal scores of %i draws are those of a comparison sort of their indices", (size) => {
    const x = awkward(new Random(size + 1), size);
    expect(rankNormalize(x)).toEqual(plainScores(x));
  });

  test.each([50, 30000])("folded about a centre, %i draws come out sorted by distance", (size) => {
    const x = awkward(new Random(size + 2), size);
    const order = ascendingOrder(x);
    for (const centre of [238.9, 0, -1e300, 1e300]) {
      const folded = foldedAbout(x, order, gather(x, order), centre);
      expect(folded.x).toEqual(x.map((v) => Math.abs(v - centre)));
      expect(folded.sorted).toEqual(Float64Array.from(folded.x).sort());
      expect(gather(folded.x, folded.order)).toEqual(folded.sorted);
      expect(normalScores(folded.order, folded.sorted)).toEqual(plainScores(folded.x));
    }
  });

  test("sorted values that do not match the order are refused", () => {
    expect(() => normalScores(new Uint32Array(4), new Float64Array(3))).toThrow(/3 sorted values for an order of 4/);
  });
});

describe("autocovariance by FFT", () => {
  test.each([
    [1, 37],
    [2, 64],
    [5, 100],
    [8, 257],
  ])("%i chains of %i draws: the direct sum over lags, averaged over chains", (m, n) => {
    const rng = new Random(m * 1000 + n);
    const x = new Float64Array(m * n);
    for (let c = 0; c < m; c++) {
      let v = rng.normal() + c;
      for (let t = 0; t < n; t++) x[c * n + t] = v = 0.7 * v + rng.normal();
    }
    const acov = meanAutocovariance(x, m, n);
    expect(acov.length).toBe(n);
    for (let t = 0; t < n; t++) {
      let sum = 0;
      for (let c = 0; c < m; c++) {
        let mean = 0;
        for (let i = 0; i < n; i++) mean += x[c * n + i];
        mean /= n;
        for (let i = 0; i + t < n; i++) sum += (x[c * n + i] - mean) * (x[c * n + i + t] - mean);
      }
      const direct = sum / n / m;
      expect(Math.abs(acov[t] - direct)).toBeLessThanOrEqual(1e-12 * acov[0]);
    }
  });
});
