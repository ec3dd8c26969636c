// hpcfit's convergence diagnostics against ArviZ's (from PyPI, in .venv) on the same draws:
// rank-normalized R-hat (bulk, folded and their max), bulk-, tail- and mean-ESS and the Monte
// Carlo standard errors of the mean and of the 5% and 95% quantiles. The draws cover the cases
// the diagnostics exist for: mixed chains, autocorrelated chains, a chain off to the side, a
// chain with a different scale, drifting chains, heavy tails, ties, and a real DREAM run read
// through McmcSamples (which checks the layout of chains and draws too).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { parameterConvergence, type ParameterConvergence } from "../../fit/mcmc/convergence.js";
import { betaQuantile, normalQuantile } from "../../fit/mcmc/quantile-functions.js";
import { Random } from "../../fit/random.js";
import { runDream } from "../../fit/samplers/dream.js";
import { PYTHON, ROOT } from "../support/kernel-client.js";
import { lineProblem, syntheticLine } from "./mcmc-fixtures/linear.js";

interface Case {
  name: string;
  nchains: number;
  ndraws: number;
  x: Float64Array;
}

type ArvizValues = { [K in keyof ParameterConvergence]: number | null } & { version: string };

const dir = mkdtempSync(join(tmpdir(), "hpcfit-arviz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** ArviZ's diagnostics of each case, through test/support/arviz_diagnostics.py. */
function arviz(cases: Case[]): ArvizValues[] {
  const file = join(dir, `draws-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    file,
    JSON.stringify({ cases: cases.map((c) => ({ nchains: c.nchains, ndraws: c.ndraws, x: Array.from(c.x) })) }),
  );
  const out = execFileSync(PYTHON, [join(ROOT, "test", "support", "arviz_diagnostics.py"), file], { encoding: "utf8" });
  return JSON.parse(out) as ArvizValues[];
}

function chains(nchains: number, ndraws: number, draw: (c: number, t: number) => number): Float64Array {
  const x = new Float64Array(nchains * ndraws);
  for (let c = 0; c < nchains; c++) for (let t = 0; t < ndraws; t++) x[c * ndraws + t] = draw(c, t);
  return x;
}

function ar1(rng: Random, phi: number): (c: number, t: number) => number {
  let v = 0;
  return (_c, t) => (v = t === 0 ? rng.normal() / Math.sqrt(1 - phi * phi) : phi * v + rng.normal());
}

const KEYS = ["rhat", "rhatBulk", "rhatFolded", "essBulk", "essTail", "essMean", "mcseMean", "mcseQ05", "mcseQ95"] as const;

function expectSame(name: string, ours: ParameterConvergence, theirs: ArvizValues): void {
  for (const key of KEYS) {
    const a = ours[key];
    const b = theirs[key];
    if (b === null) {
      expect(Number.isFinite(a), `${name}: ${key} is ${a}, ArviZ has none`).toBe(false);
      continue;
    }
    // The same algorithm in double precision: only rounding differs.
    expect(Math.abs(a - b), `${name}: ${key} ${a} vs ArviZ ${b}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(b)));
  }
}

describe("convergence diagnostics agree with ArviZ", () => {
  test("the normal and beta quantiles are accurate", () => {
    // Known values: Φ⁻¹(0.975), Φ⁻¹(1e-10), and the median of Beta(2, 2).
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 13);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 11);
    expect(normalQuantile(0.5)).toBe(0);
    expect(betaQuantile(0.5, 2, 2)).toBeCloseTo(0.5, 12);
    // Beta(1, 3): F(x) = 1 − (1 − x)³, so the 0.875 quantile is 0.5.
    expect(betaQuantile(0.875, 1, 3)).toBeCloseTo(0.5, 12);
  });

  test("on synthetic chains of every kind", () => {
    const rng = new Random(11);
    const cases: Case[] = [
      { name: "iid", nchains: 4, ndraws: 500, x: chains(4, 500, () => rng.normal()) },
      { name: "AR(1) 0.9, odd length", nchains: 6, ndraws: 301, x: chains(6, 301, ar1(rng, 0.9)) },
      { name: "one chain off", nchains: 4, ndraws: 200, x: chains(4, 200, (c) => rng.normal() + (c === 2 ? 1.5 : 0)) },
      { name: "one chain wider", nchains: 4, ndraws: 400, x: chains(4, 400, (c) => rng.normal() * (c === 0 ? 3 : 1)) },
      { name: "drift", nchains: 3, ndraws: 250, x: chains(3, 250, (_c, t) => rng.normal() + t / 60) },
      {
        name: "heavy tails",
        nchains: 8,
        ndraws: 100,
        x: chains(8, 100, () => rng.normal() / Math.max(1e-3, Math.abs(rng.normal()))),
      },
      { name: "ties", nchains: 4, ndraws: 120, x: chains(4, 120, () => Math.round(2 * rng.normal())) },
      { name: "one chain", nchains: 1, ndraws: 300, x: chains(1, 300, ar1(rng, 0.5)) },
      { name: "many short chains", nchains: 40, ndraws: 9, x: chains(40, 9, ar1(rng, 0.3)) },
    ];
    const theirs = arviz(cases);
    cases.forEach((c, i) => expectSame(c.name, parameterConvergence(c.x, c.nchains, c.ndraws), theirs[i]));
  });

  test("on a DREAM run, read through McmcSamples", async () => {
    const run = await runDream(
      lineProblem(syntheticLine(new Random(42))),
      { samples: 4000, burn: 100 },
      {
        rng: new Random(3),
        report: () => true,
      },
    );
    const s = run.samples;
    const d = s.summary().diagnostics;
    const cases: Case[] = s.labels.map((name, k) => ({
      name,
      nchains: s.nchains,
      ndraws: s.nthin,
      x: chains(s.nchains, s.nthin, (c, t) => s.value(t, c, k)),
    }));
    const theirs = arviz(cases);
    cases.forEach((_case, k) => {
      const a = theirs[k];
      const close = (ours: number | null | undefined, ref: number | null): void => {
        expect(ours).not.toBeNull();
        expect(Math.abs((ours as number) - (ref as number))).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(ref as number)));
      };
      close(d.rhat[k], a.rhat);
      close(d.rhatBulk?.[k], a.rhatBulk);
      close(d.rhatFolded?.[k], a.rhatFolded);
      close(d.ess[k], a.essBulk);
      close(d.essTail?.[k], a.essTail);
      close(d.mcseMean?.[k], a.mcseMean);
      close(d.mcseQuantiles?.[k]?.[0], a.mcseQ05);
      close(d.mcseQuantiles?.[k]?.[1], a.mcseQ95);
      close(d.tau[k], s.size / (a.essMean as number));
    });
  });
});
