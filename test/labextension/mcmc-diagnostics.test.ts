import { beforeAll, describe, expect, it } from "vitest";
import { DISPLAY, fit } from "hpcfit";
import { DIAGNOSTIC_LIMITS, MCMC_MIME, diagnosticLimits, type McmcBundle, type McmcUntil } from "../../schema/mcmc.js";
import { diagnosticCells, diagnosticColumns, limitsText, untilRows } from "../../labextension/src/transforms/mcmc-diagnostics.js";
import { lineProblem } from "../support/line-problem.js";

/** A short DREAM run of the line: too short for the limits, so some values are flagged. */
let bundle: McmcBundle;

beforeAll(async () => {
  const dream = await fit(lineProblem(), { method: "dream", samples: 4000, burn: 200, seed: 3 });
  bundle = dream[DISPLAY]()[MCMC_MIME] as McmcBundle;
});

/** The bundle as an hpcfit older than bulk/tail ESS, MCSE and limits wrote it. */
function oldBundle(b: McmcBundle): McmcBundle {
  const old = structuredClone(b);
  const d = old.diagnostics;
  delete d.rhatBulk;
  delete d.rhatFolded;
  delete d.essBulk;
  delete d.essTail;
  delete d.mcseMean;
  delete d.mcseQuantiles;
  delete d.limits;
  delete d.until;
  return old;
}

describe("MCMC diagnostics cells", () => {
  it("has R-hat, bulk and tail ESS and the MCSEs as columns, quantile MCSEs on the diagnostics page only", () => {
    expect(diagnosticColumns(false)).toEqual(["R-hat", "bulk ESS", "tail ESS", "MCSE mean"]);
    expect(diagnosticColumns(true)).toEqual(["R-hat", "bulk ESS", "tail ESS", "MCSE mean", "MCSE 5%", "MCSE 95%", "τ (draws)"]);
    bundle.labels.forEach((_, p) => {
      expect(diagnosticCells(bundle, p, false)).toHaveLength(4);
      expect(diagnosticCells(bundle, p, true)).toHaveLength(7);
    });
  });

  it("flags exactly the values past the bundle's limits, saying why", () => {
    const d = bundle.diagnostics;
    expect(d.limits).toEqual({ rhat: 1.01, ess: 400 });
    let flagged = 0;
    bundle.labels.forEach((_, p) => {
      const [rhat, bulk, tail, mcse, q05, q95] = diagnosticCells(bundle, p, true);
      expect(rhat.text).toBe(d.rhat[p]!.toFixed(3));
      expect(bulk.text).toBe(String(Math.round(d.essBulk![p]!)));
      expect(tail.text).toBe(String(Math.round(d.essTail![p]!)));
      expect(Number(mcse.text)).toBeCloseTo(d.mcseMean![p]!, 4);
      expect(Number(q05.text)).toBeCloseTo(d.mcseQuantiles![p]![0], 4);
      expect(Number(q95.text)).toBeCloseTo(d.mcseQuantiles![p]![1], 4);
      expect(rhat.warning !== null).toBe(d.rhat[p]! > 1.01);
      expect(bulk.warning !== null).toBe(d.essBulk![p]! < 400);
      expect(tail.warning !== null).toBe(d.essTail![p]! < 400);
      for (const cell of [rhat, bulk, tail]) {
        if (cell.warning === null) continue;
        flagged++;
        expect(cell.warning).toMatch(/Vehtari et al\. 2021/);
      }
      if (rhat.warning !== null) expect(rhat.warning).toMatch(/above 1\.01: the chains have not mixed/);
      if (tail.warning !== null) expect(tail.warning).toMatch(/below 400: the interval ends are uncertain/);
      expect(mcse.warning).toBeNull();
    });
    // 4000 draws over 20 chains are too few for these limits: the run is flagged.
    expect(flagged).toBeGreaterThan(0);
    expect(bundle.warnings.length).toBeGreaterThan(0);
  });

  it("follows the limits the bundle names, not fixed ones", () => {
    const lax = structuredClone(bundle);
    lax.diagnostics.limits = { rhat: 2, ess: 1 };
    const strict = structuredClone(bundle);
    strict.diagnostics.limits = { rhat: 1, ess: 1e9 };
    lax.labels.forEach((_, p) => {
      expect(diagnosticCells(lax, p, true).filter((c) => c.warning !== null)).toEqual([]);
      const [rhat, bulk, tail] = diagnosticCells(strict, p, true);
      expect(rhat.warning).toMatch(/above 1:/);
      expect(bulk.warning).toMatch(/below 1000000000/);
      expect(tail.warning).toMatch(/below 1000000000/);
    });
    expect(limitsText(lax.diagnostics)).toBe("R-hat ≤ 2, bulk and tail ESS ≥ 1 (Vehtari et al. 2021)");
  });

  it("renders a bundle older than these fields with its one ESS and the default limits", () => {
    const old = oldBundle(bundle);
    expect(diagnosticLimits(old.diagnostics)).toEqual(DIAGNOSTIC_LIMITS);
    expect(limitsText(old.diagnostics)).toMatch(/^R-hat ≤ 1\.01, bulk and tail ESS ≥ 400 .*the defaults/);
    old.labels.forEach((_, p) => {
      const cells = diagnosticCells(old, p, true);
      expect(cells[0].text).toBe(old.diagnostics.rhat[p]!.toFixed(3));
      expect(cells[1].text).toBe(String(Math.round(old.diagnostics.ess[p]!)));
      expect(cells[1].warning !== null).toBe(old.diagnostics.ess[p]! < 400);
      for (const k of [2, 3, 4, 5]) expect(cells[k]).toEqual({ text: "—", warning: null });
      expect(Math.abs(Number(cells[6].text) / old.diagnostics.tau[p]! - 1)).toBeLessThan(0.005);
    });
  });

  it("calls an SMC run's ESS that of its particles and leaves undefined values unflagged", () => {
    const smc = oldBundle(bundle);
    smc.sampler = "smc";
    smc.diagnostics.rhat = smc.labels.map(() => null);
    smc.diagnostics.tau = smc.labels.map(() => null);
    smc.diagnostics.ess = smc.labels.map(() => 120);
    const [rhat, bulk, tail] = diagnosticCells(smc, 0, false);
    expect(rhat).toEqual({ text: "—", warning: null });
    expect(bulk.text).toBe("120");
    expect(bulk.warning).toMatch(/^particle ESS 120 is below 400/);
    expect(tail).toEqual({ text: "—", warning: null });
  });
});

describe("until outcome rows", () => {
  const base: McmcUntil = { targets: { rhat: 1.01, ess: 1000 }, met: true, ended: "met", rhat: 1.0042, ess: 1180.4, checks: 3 };

  it("says the targets, that they were met and how many checks it took", () => {
    expect(untilRows(base)).toEqual([
      ["until targets", "R-hat ≤ 1.01, bulk and tail ESS ≥ 1000", false],
      ["until outcome", "met (worst R-hat 1.004, smallest ESS 1180)", false],
      ["convergence checks", "3", false],
    ]);
  });

  it("flags a run whose budget ended first, saying which budget", () => {
    const time = untilRows({ ...base, met: false, ended: "maxTime", rhat: 1.03, ess: null });
    expect(time[1]).toEqual([
      "until outcome",
      "not met: the time budget (maxTime) ran out (worst R-hat 1.030, smallest ESS —)",
      true,
    ]);
    expect(untilRows({ ...base, met: false, ended: "budget" })[1][1]).toMatch(/^not met within the draw budget/);
    expect(untilRows({ ...base, met: false, ended: "stopped" })[1][1]).toMatch(/^not met: sampling was stopped/);
    expect(untilRows({ ...base, targets: { ess: 500 } })[0][1]).toBe("bulk and tail ESS ≥ 500");
  });
});
