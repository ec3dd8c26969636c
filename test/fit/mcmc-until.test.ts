// Sampling until convergence targets are met (`until`): DREAM goes on past its planned draws until
// every parameter meets the R-hat and ESS targets, and says how it ended when a budget ran out
// first; the live line shows the progress toward the targets; the option is checked and read from
// flags like every other.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { fit, isSampledResult, loadResult, saveResult, type FitResult } from "hpcfit";
import { LIVE_DISPLAY, type MimeBundle } from "../../schema/display.js";
import type { McmcBundle, McmcUntil } from "../../schema/mcmc.js";
import { checkFlagOptions, flagValue } from "../../fit/options/flags.js";
import { parseFitLine } from "../../fit-jobs/options.js";
import { Random } from "../../fit/random.js";
import { leastSquares, lineProblem, syntheticLine } from "./mcmc-fixtures/linear.js";

const data = syntheticLine(new Random(21));
const g = globalThis as unknown as Record<symbol, unknown>;
afterEach(() => {
  delete g[LIVE_DISPLAY];
});

function sampled(r: FitResult) {
  if (!isSampledResult(r)) throw new Error(`expected a sampler result, got ${r.method}`);
  return r.samples;
}

describe("sampling until converged", () => {
  test("DREAM goes on past its planned draws until every parameter meets the targets", async () => {
    const lines: string[] = [];
    g[LIVE_DISPLAY] = (bundle: MimeBundle) => {
      lines.push(String(bundle["text/plain"]));
      return { update: (next: MimeBundle) => lines.push(String(next["text/plain"])) };
    };
    // 2000 planned draws over 20 chains: too few for an ESS of 2000.
    const r = await fit(lineProblem(data), {
      method: "dream",
      samples: 2000,
      burn: 50,
      seed: 4,
      until: { rhat: 1.01, ess: 2000 },
    });
    const s = sampled(r);
    expect(s.nthin).toBeGreaterThan(100);
    const u = s.until!;
    expect(u).toMatchObject({ met: true, ended: "met", targets: { rhat: 1.01, ess: 2000 } });
    expect(u.checks).toBeGreaterThan(1);
    const d = s.summary().diagnostics;
    for (let k = 0; k < 2; k++) {
      expect(d.rhat[k]).toBeLessThanOrEqual(1.01);
      expect(d.essBulk![k]).toBeGreaterThanOrEqual(2000);
      expect(d.essTail![k]).toBeGreaterThanOrEqual(2000);
    }
    expect(u.rhat).toBe(Math.max(...(d.rhat as number[])));
    expect(u.ess).toBe(Math.min(...(d.essBulk as number[]), ...(d.essTail as number[])));
    expect(r.stopped).toBeUndefined();
    expect(r.message).toMatch(/until R-hat <= 1.01, ESS >= 2000: met after \d+ checks/);
    // The bundle carries the outcome, and the text report says it.
    const bundle = r.toJSON().mcmc as McmcBundle;
    expect(bundle.diagnostics.until).toEqual(u);
    expect(r.report()).toMatch(/until R-hat <= 1.01, ESS >= 2000: met/);
    // The live line showed the progress toward the targets at each check, then the final diagnostics.
    expect(lines.some((l) => /running.*; until R-hat \d\.\d{3} → 1.01, ESS \d+ → 2000, check 1$/.test(l))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(
      /^fit dream: done.*; R-hat max 1\.0\d\d; bulk ESS min \d+; tail ESS min \d+; until .*: met/,
    );
  });

  test("a target out of reach ends at the draw budget, and the result says so", async () => {
    const r = await fit(lineProblem(data), { method: "dream", samples: 200, burn: 20, seed: 5, until: { ess: 1e9 } });
    const s = sampled(r);
    expect(s.until).toMatchObject({ met: false, ended: "budget" });
    // The budget is 50 times the planned draws per chain, counting at least 100 (200 draws over 20
    // chains plan only 10 per chain): 5000 per chain.
    expect(s.nthin).toBeLessThanOrEqual(5000);
    expect(s.nthin).toBeGreaterThan(2500);
    expect(r.converged).toBe(false);
    expect(r.stopped).toBeUndefined();
    expect(r.message).toMatch(/ESS >= 1000000000: not met within the draw budget/);
    // The stored result keeps how it ended: a fit job's result is read back from its store.
    const dir = mkdtempSync(join(tmpdir(), "hpcfit-until-"));
    try {
      const files = await saveResult(r, dir, "run", { arviz: true });
      const back = sampled(await loadResult(dir, "run"));
      expect(back.until).toEqual(s.until);
      expect((back.summary().diagnostics.until as McmcUntil).ended).toBe("budget");
      expect(sampled(await loadResult(files.arviz!)).until).toEqual(s.until);
      // A store whose outcome is malformed is refused, naming the file.
      const doc = JSON.parse(readFileSync(files.json, "utf8")) as { samples: { until: unknown } };
      doc.samples.until = { met: "yes" };
      writeFileSync(files.json, JSON.stringify(doc));
      await expect(loadResult(dir, "run")).rejects.toThrow(/run\.json: samples\.until: expected \{ targets, met, ended/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("maxTime ends a run whose targets are out of reach: stopped maxTime, with its draws", async () => {
    const r = await fit(lineProblem(data), {
      method: "dream",
      samples: 20000,
      burn: 20,
      seed: 6,
      maxTime: 0.3,
      until: { rhat: 1.0001, ess: 1e9 },
    });
    const s = sampled(r);
    expect(r.stopped).toBe("maxTime");
    expect(s.until).toMatchObject({ met: false, ended: "maxTime" });
    expect(r.message).toMatch(/not met: the time budget \(maxTime\) ran out after \d+ checks? \(worst R-hat/);
    const bundle = r.toJSON().mcmc as McmcBundle;
    expect(bundle.diagnostics.until?.ended).toBe("maxTime");
  });

  test("R-hat failing moves the burn-in forward over the draws made before the chains mixed", async () => {
    // Chains started far in the tails (lhs over ±50) with no burn-in: the first draws have not mixed.
    const r = await fit(lineProblem(data), {
      method: "dream",
      samples: 2000,
      burn: 0,
      init: "lhs",
      seed: 7,
      until: { rhat: 1.01 },
    });
    const s = sampled(r);
    expect(s.until?.met).toBe(true);
    expect(s.burn).toBeGreaterThan(0);
    expect(s.generations).toBe(s.burn + s.nthin * s.thin);
  });

  test("the option is checked, and its flag reads rhat=…,ess=…", async () => {
    expect(flagValue("until", "rhat=1.01,ess=1000")).toEqual({ rhat: 1.01, ess: 1000 });
    expect(flagValue("until", "ess=400")).toEqual({ ess: 400 });
    expect(flagValue("until", "rhat=1.01 ess=5e2")).toEqual({ rhat: 1.01, ess: 500 });
    expect(flagValue("until", "rhat=0.9")).toBe("rhat=0.9");
    expect(() => checkFlagOptions({ until: flagValue("until", "rhat=0.9") } as never, "dream")).toThrow(
      /option until must be targets \{ rhat\?: number > 1, ess\?: number > 0 \}.*got "rhat=0.9"/,
    );
    await expect(fit(lineProblem(data), { method: "dream", until: { rhat: 1.01, tau: 3 } as never })).rejects.toThrow(
      /option until must be/,
    );
    await expect(fit(lineProblem(data), { method: "lm", until: { rhat: 1.01 } } as never)).rejects.toThrow(/until/);
    // %%fit reads it from the same table.
    expect(parseFitLine("--fit=dream --until rhat=1.01,ess=1000 --init=fit").fit).toMatchObject({
      until: { rhat: 1.01, ess: 1000 },
      init: "fit",
    });
    expect(() => parseFitLine("--fit=dream --until=ess=many")).toThrow(/option until must be targets/);
  });
});

describe("SMC until an effective sample size", () => {
  test("the target sets the particle count, and the result says it was met", async () => {
    const r = await fit(lineProblem(data), { method: "smc", seed: 2, until: { ess: 600 } });
    const s = sampled(r);
    // Twice the target: SMC keeps the particles' ESS at about half their number.
    expect(s.nchains).toBe(1200);
    expect(s.until).toMatchObject({ met: true, ended: "met", targets: { ess: 600 }, rhat: null, checks: 1 });
    expect(s.particleEss).toBeGreaterThanOrEqual(600);
    expect(r.converged).toBe(true);
    expect(r.message).toMatch(/until ESS >= 600: met after 1 check/);
  });

  test("a pass that falls short triggers another with twice the particles", async () => {
    // A hard constraint keeping about a third of the posterior: the last stage's ESS is about a third
    // of the particles, short of the target with 2 × target particles, met with 4 ×.
    const { mean, cov } = leastSquares(data);
    const cut = mean[0] + 0.45 * Math.sqrt(cov[0]);
    const r = await fit(lineProblem(data), {
      method: "smc",
      seed: 3,
      sharpness: 1,
      constraints: [(x: ArrayLike<number>) => x[0] - cut],
      until: { ess: 300 },
    });
    const s = sampled(r);
    expect(s.until).toMatchObject({ met: true, ended: "met", checks: 2 });
    expect(s.particleEss).toBeGreaterThanOrEqual(300);
    expect(r.message).toMatch(/until ESS >= 300: met after 2 checks/);
  });

  test("an R-hat target is refused for SMC, saying why", async () => {
    await expect(fit(lineProblem(data), { method: "smc", until: { rhat: 1.01, ess: 100 } })).rejects.toThrow(
      /smc: until takes an ess target only .*SMC's particles are one draw each/,
    );
  });
});
