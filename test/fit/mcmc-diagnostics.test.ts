// Diagnostics against known answers: the FFT against a direct DFT, the autocorrelation time of
// an AR(1) process ((1 + φ)/(1 − φ)), rank-normalized R-hat of agreeing and disagreeing chains,
// and the warnings a user sees when chains are not to be trusted. (mcmc-arviz.test.ts checks
// the same estimators against ArviZ.)
import { describe, expect, test } from "vitest";
import { fft } from "../../fit/mcmc/fft.js";
import { effectiveSize, rankRhat } from "../../fit/mcmc/convergence.js";
import { McmcSamples } from "../../fit/mcmc/samples.js";
import { formatUncertainty, mcmcHtml, mcmcText } from "../../fit/mcmc/report.js";
import { Random } from "../../fit/random.js";

function samplesFrom(
  nchains: number,
  nthin: number,
  value: (c: number, t: number) => number,
  logp: (c: number, t: number) => number,
) {
  const points = new Float64Array(nchains * nthin);
  const lp = new Float64Array(nchains * nthin);
  for (let t = 0; t < nthin; t++)
    for (let c = 0; c < nchains; c++) {
      points[t * nchains + c] = value(c, t);
      lp[t * nchains + c] = logp(c, t);
    }
  return new McmcSamples({
    sampler: "dream",
    labels: ["a"],
    nchains,
    nthin,
    thin: 1,
    burn: 0,
    generations: nthin,
    evaluations: nchains * nthin,
    points,
    logp: lp,
    genDraws: new Float64Array(nthin),
    genAcceptance: new Float64Array(nthin).fill(0.3),
    genLogp: lp.slice(),
    ncr: 0,
    crDraws: new Float64Array(0),
    crWeights: new Float64Array(0),
    outliers: [],
  });
}

describe("MCMC diagnostics", () => {
  test("FFT matches a direct DFT", () => {
    const rng = new Random(1);
    const n = 64;
    const re = Float64Array.from({ length: n }, () => rng.normal());
    const im = Float64Array.from({ length: n }, () => rng.normal());
    const [r0, i0] = [re.slice(), im.slice()];
    fft(re, im);
    for (let k = 0; k < n; k += 7) {
      let sr = 0,
        si = 0;
      for (let t = 0; t < n; t++) {
        const a = (-2 * Math.PI * k * t) / n;
        sr += r0[t] * Math.cos(a) - i0[t] * Math.sin(a);
        si += r0[t] * Math.sin(a) + i0[t] * Math.cos(a);
      }
      expect(re[k]).toBeCloseTo(sr, 9);
      expect(im[k]).toBeCloseTo(si, 9);
    }
    fft(re, im, true);
    for (let t = 0; t < n; t++) expect(re[t] / n).toBeCloseTo(r0[t], 12);
  });

  test("autocorrelation time of AR(1) chains is (1 + φ)/(1 − φ)", () => {
    const phi = 0.8;
    const rng = new Random(3);
    const nchains = 16,
      n = 5000;
    const series = Array.from({ length: nchains }, () => {
      const s = new Float64Array(n);
      let v = rng.normal() / Math.sqrt(1 - phi * phi);
      for (let t = 0; t < n; t++) s[t] = v = phi * v + rng.normal();
      return s;
    });
    const x = new Float64Array(nchains * n);
    series.forEach((s, c) => x.set(s, c * n));
    const tau = (nchains * n) / effectiveSize({ x, m: nchains, n });
    expect(tau).toBeGreaterThan(9 * 0.9);
    expect(tau).toBeLessThan(9 * 1.1);
  });

  test("rank-normalized R-hat is ~1 for agreeing chains and large for disagreeing, drifting or wider ones", () => {
    const rng = new Random(4);
    const iid = Array.from({ length: 8 }, () => Float64Array.from({ length: 400 }, () => rng.normal()));
    const rhat = (value: (c: number, t: number) => number): number => {
      const x = new Float64Array(8 * 400);
      for (let c = 0; c < 8; c++) for (let t = 0; t < 400; t++) x[c * 400 + t] = value(c, t);
      return rankRhat(x, 8, 400);
    };
    expect(rhat((c, t) => iid[c][t])).toBeLessThan(1.01);
    expect(rhat((c, t) => iid[c][t] + (c === 0 ? 3 : 0))).toBeGreaterThan(1.1);
    expect(rhat((c, t) => iid[c][t] + t / 100)).toBeGreaterThan(1.1);
    // Same centre, one chain five times wider: only the folded R-hat sees it.
    expect(rhat((c, t) => iid[c][t] * (c === 0 ? 5 : 1))).toBeGreaterThan(1.05);
  });

  test("warnings: few effective draws, R-hat, a stuck outlier chain and a parameter that never moved", () => {
    const rng = new Random(5);
    const noise = Array.from({ length: 10 }, () => Float64Array.from({ length: 100 }, () => rng.normal()));
    const good = samplesFrom(
      10,
      100,
      (c, t) => noise[c][t],
      (c, t) => -0.5 * noise[c][t] ** 2,
    );
    expect(good.summary().warnings).toEqual([]);
    const stuck = samplesFrom(
      10,
      100,
      (c, t) => noise[c][t] + (c === 7 ? 4 : 0),
      (c, t) => -0.5 * (noise[c][t] + (c === 7 ? 4 : 0)) ** 2,
    );
    const w = stuck.summary().warnings.join("\n");
    expect(stuck.summary().diagnostics.outlierChains).toEqual([7]);
    expect(w).toMatch(/R-hat above 1.01 for a/);
    // The HTML report highlights the R-hat past its limit and lists the warnings.
    const html = mcmcHtml(stuck);
    expect(html).toMatch(/<td class="hpcfit-warning"[^>]*>1\.\d+<\/td>/);
    expect(html).toContain("<li><b>Warning:</b> R-hat above 1.01 for a");
    expect(mcmcHtml(good)).not.toContain("hpcfit-warning");
    expect(w).toMatch(/Outlier chains after burn-in \(7\)/);
    let v = 0;
    const sticky = samplesFrom(
      4,
      60,
      (c, t) => (t % 30 === 0 ? (v = rng.normal()) : v) + c * 0,
      () => 0,
    );
    const sw = sticky.summary().warnings.join("\n");
    expect(sw).toMatch(/Bulk ESS below 400 for a/);
    expect(sw).toMatch(/Tail ESS below 400 for a/);
    const still = samplesFrom(
      4,
      60,
      () => 1.5,
      () => 0,
    );
    expect(still.summary().warnings.join("\n")).toMatch(/The draws of a never moved/);
    expect(still.summary().diagnostics.rhat).toEqual([null]);
  });

  test("SMC particles with an ESS below 400 are warned about, as the report marks them", () => {
    const rng = new Random(6);
    const n = 500;
    const points = Float64Array.from({ length: n }, () => rng.normal());
    const smc = new McmcSamples({
      sampler: "smc",
      labels: ["a"],
      nchains: n,
      nthin: 1,
      thin: 1,
      burn: 5,
      generations: 5,
      evaluations: 5 * n,
      points,
      logp: points.map((v) => -0.5 * v * v),
      genDraws: new Float64Array(5),
      genAcceptance: new Float64Array(5).fill(0.3),
      genLogp: new Float64Array(5 * n),
      ncr: 0,
      crDraws: new Float64Array(0),
      crWeights: new Float64Array(0),
      outliers: [],
      particleEss: 310,
    });
    expect(smc.summary().warnings).toEqual([
      "Effective sample size of the particles is only 310 (below 400): use more particles, or until: { ess }.",
    ]);
    expect(smc.summary().diagnostics.rhat).toEqual([null]);
    expect(mcmcText(smc)).toMatch(/ 1 +a +- +310! /);
  });

  test("mean(uncertainty) formatting follows the uncertainty's two digits", () => {
    expect(formatUncertainty(2.00312, 0.0123)).toBe("2.003(12)");
    expect(formatUncertainty(1234.4, 56)).toBe("1234(56)");
    expect(formatUncertainty(12345, 678)).toBe("12350(680)");
  });
});
