// Seeded DREAM and SMC runs compared bit for bit with draws saved in `mcmc-fixtures/pinned.json`,
// so that a change to the samplers' code that changes their numbers is seen. A DREAM run resumed
// from a checkpoint (one taken now, and one saved in `mcmc-fixtures/dream-checkpoint.json`, the
// store's format) must end with the draws of the run that never stopped.
// To write the fixtures again (only when a change of numbers is intended): HPCFIT_WRITE_PINNED=1.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { Random } from "../../fit/random.js";
import { runDream, type DreamOptions } from "../../fit/samplers/dream.js";
import { runSmc } from "../../fit/samplers/smc.js";
import { regionProblem } from "../../fit/samplers/region.js";
import type { McmcSamples } from "../../fit/mcmc/samples.js";
import { checkpointPath, readCheckpoint, writeCheckpoint } from "../../fit-jobs/checkpoint.js";
import { lineProblem, syntheticLine } from "./mcmc-fixtures/linear.js";

const FIXTURES = join(import.meta.dirname, "mcmc-fixtures");
const PINNED = join(FIXTURES, "pinned.json");
const CHECKPOINT = join(FIXTURES, "dream-checkpoint.json");
const WRITE = process.env.HPCFIT_WRITE_PINNED === "1";

const data = syntheticLine(new Random(5));
/** DREAM options of the pinned run: random start over wide bounds, so outlier chains get reset. */
const DREAM: DreamOptions = { samples: 600, burn: 60, init: "random", snooker: 0.2 };
/** Generation of the saved checkpoint: inside burn-in, before the outlier tests are over. */
const CUT = 35;

const b64 = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");

function doubles(text: string): Float64Array {
  const bytes = Buffer.from(text, "base64");
  const out = new Float64Array(bytes.byteLength / 8);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Everything a run produced, with arrays as base64 of their bytes (bit-exact). */
function record(s: McmcSamples, bestX: Float64Array, bestNllf: number): Record<string, unknown> {
  return {
    nchains: s.nchains,
    nthin: s.nthin,
    generations: s.generations,
    evaluations: s.evaluations,
    points: b64(s.points),
    logp: b64(s.logp),
    genDraws: b64(s.genDraws),
    genAcceptance: b64(s.genAcceptance),
    genLogp: b64(s.genLogp),
    crDraws: b64(s.crDraws),
    crWeights: b64(s.crWeights),
    outliers: s.outliers,
    particleEss: s.particleEss ?? null,
    bestX: b64(bestX),
    bestNllf: String(bestNllf),
  };
}

const dreamRun = (extra: DreamOptions = {}) =>
  runDream(lineProblem(data), { ...DREAM, ...extra }, { rng: new Random(3), report: () => true });

const smcLine = () => runSmc(lineProblem(data), { particles: 200 }, { rng: new Random(9), report: () => true });

// A triangle x + y <= 1 in the unit square: SMC's constraint mode (tempered sharpness, then hard).
const smcRegion = () =>
  runSmc(
    regionProblem(["x", "y"], [0, 0], [1, 1]),
    { particles: 200, constraints: [(x) => 1 - x[0] - x[1]], sharpness: 1e4 },
    { rng: new Random(21), report: () => true },
  );

async function current(): Promise<Record<string, Record<string, unknown>>> {
  const dream = await dreamRun();
  const line = await smcLine();
  const region = await smcRegion();
  return {
    dream: record(dream.samples, dream.bestX, dream.bestNllf),
    smcLine: { ...record(line.samples, line.bestX, line.bestNllf), stages: line.stages },
    smcRegion: { ...record(region.samples, region.bestX, region.bestNllf), stages: region.stages },
  };
}

describe("pinned sampler output", () => {
  test("seeded DREAM and SMC runs give the saved draws bit for bit", async () => {
    const now = await current();
    if (WRITE) {
      writeFileSync(PINNED, JSON.stringify(now, null, 1) + "\n");
      // The saved checkpoint, written by the store's own writer at generation CUT.
      const dir = mkdtempSync(join(tmpdir(), "hpcfit-pin-"));
      mkdirSync(join(dir, "store"));
      await dreamRun({
        observe: (view) => {
          if (view.generation === CUT) writeCheckpoint(dir, view.snapshot());
        },
      });
      copyFileSync(checkpointPath(dir), CHECKPOINT);
    }
    expect(existsSync(PINNED), `${PINNED} is missing`).toBe(true);
    const saved = JSON.parse(readFileSync(PINNED, "utf8")) as typeof now;
    // The fixtures exercise the outlier rule and the snooker/crossover paths, not only the plain DE move.
    expect((saved.dream.outliers as unknown[]).length).toBeGreaterThan(0);
    const region = doubles(saved.smcRegion.points as string);
    for (let i = 0; i < region.length; i += 2) expect(region[i] + region[i + 1]).toBeLessThanOrEqual(1);
    expect(now.dream).toEqual(saved.dream);
    expect(now.smcLine).toEqual(saved.smcLine);
    expect(now.smcRegion).toEqual(saved.smcRegion);
  });

  test("DREAM resumed from a checkpoint (after a store round trip) ends with the uninterrupted draws", async () => {
    const saved = JSON.parse(readFileSync(PINNED, "utf8")) as Record<string, Record<string, unknown>>;
    for (const cut of [CUT, 90]) {
      const dir = mkdtempSync(join(tmpdir(), "hpcfit-pin-"));
      mkdirSync(join(dir, "store"));
      await dreamRun({
        observe: (view) => {
          if (view.generation === cut) writeCheckpoint(dir, view.snapshot());
        },
      });
      const state = readCheckpoint(dir);
      expect(state?.generation).toBe(cut);
      const resumed = await runDream(
        lineProblem(data),
        { ...DREAM, resume: state },
        { rng: new Random(999), report: () => true },
      );
      expect(record(resumed.samples, resumed.bestX, resumed.bestNllf)).toEqual(saved.dream);
    }
  });

  test("a checkpoint saved in the store's format resumes to the pinned draws", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hpcfit-pin-"));
    mkdirSync(join(dir, "store"));
    copyFileSync(CHECKPOINT, checkpointPath(dir));
    const state = readCheckpoint(dir);
    expect(state?.generation).toBe(CUT);
    const resumed = await runDream(lineProblem(data), { ...DREAM, resume: state }, { rng: new Random(999), report: () => true });
    const saved = JSON.parse(readFileSync(PINNED, "utf8")) as Record<string, Record<string, unknown>>;
    expect(record(resumed.samples, resumed.bestX, resumed.bestNllf)).toEqual(saved.dream);
  });
});
