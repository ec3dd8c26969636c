// The model band of a %%fit DREAM job spread over the nodes of the private Slurm test cluster is
// evaluated by the job's srun'd ZeroMQ workers, not draw by draw in the sampler's process, and
// equals, bit for bit, the band of the same draws evaluated serially; a worker killed while it
// holds band draws costs nothing but the time to re-send them.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, test } from "vitest";
import { fit, isSampledResult, type FitResult, type Problem } from "hpcfit";
import { useBackend } from "../../jobs/api.js";
import { readProgress } from "../../fit-jobs/progress.js";
import { BAND_DRAWS, bandGrids, bandsFrom, bandWidth, curvesAt, isBandSource, thinnedDraws } from "../../fit/model-bands.js";
import { asFitJob, freshDirs, runFit } from "./support.js";

process.env.SLURM_CONF = inject("slurmConf");

const DREAM = "--fit=dream --samples=400 --burn=30 --seed=5";

/**
 * y = a·x + b through ten points; every evaluation at x = 0 (each nllf, and each draw's band curve,
 * whose grid starts there) busy-waits 2 ms, so the band's 300 draws are worth sending to workers.
 * With `hold`, an srun'd worker that gets band draws (the grid's abscissae between the data's; the
 * curve's one probe with the whole array, to tell whether the function is vectorized, is not one)
 * marks itself in `hold.marks` and waits there until `hold.release` exists.
 */
function bandModel(hold?: { marks: string; release: string }): string {
  return [
    `import { existsSync, writeFileSync } from "node:fs";`,
    `import { join } from "node:path";`,
    `import { Curve, FitProblem } from "hpcfit";`,
    `const HOLD = ${JSON.stringify(hold ?? null)};`,
    `const inWorker = process.argv.includes("fit-worker");`,
    `const nap = new Int32Array(new SharedArrayBuffer(4));`,
    `let released = false;`,
    `const holdBand = (): void => {`,
    `  if (HOLD === null || !inWorker || released) return;`,
    `  writeFileSync(join(HOLD.marks, String(process.pid)), "");`,
    `  while (!existsSync(HOLD.release)) Atomics.wait(nap, 0, 0, 20);`,
    `  released = true;`,
    `};`,
    `const spin = (ms: number): void => { const end = performance.now() + ms; while (performance.now() < end); };`,
    `const xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];`,
    `const ys = xs.map((x, i) => 2 * x + 1 + 0.2 * Math.sin(5 * i));`,
    `const M = new Curve((x: number, a = 1, b = 0) => {`,
    `  if (x === 0) spin(2);`,
    `  else if (typeof x === "number" && !Number.isInteger(x)) holdBand();`,
    `  return a * x + b;`,
    `}, xs, ys, 0.2);`,
    `M.a.range(-10, 10);`,
    `M.b.range(-10, 10);`,
    `export const problem = new FitProblem(M);`,
    "",
  ].join("\n");
}

/**
 * The band of `result`'s draws evaluated one draw after the other in this process, with the
 * definition's own parts (the draws `addModelBands` thins, their curves, their quantiles).
 */
function serialBand(problem: Problem, result: FitResult): unknown {
  if (!isSampledResult(result) || !isBandSource(problem)) throw new Error("expected a sampler result and a curve model");
  const grids = bandGrids(problem);
  const width = bandWidth(grids);
  const { points, count } = thinnedDraws(result.samples, BAND_DRAWS);
  const p = result.samples.nparams;
  const values = new Float64Array(count * width);
  for (let d = 0; d < count; d++)
    curvesAt(problem, grids, points.subarray(d * p, d * p + p), values.subarray(d * width, (d + 1) * width));
  problem.setValues(result.x);
  return bandsFrom(values, count, grids)[0];
}

/** The same fit serially here; its chains must be the job's. */
async function serialFit(dir: string, jobResult: FitResult): Promise<{ problem: Problem; serial: FitResult }> {
  const { problem } = (await import(join(dir, "model.ts"))) as { problem: Problem };
  const serial = await fit(problem, { method: "dream", samples: 400, burn: 30, seed: 5 });
  if (!isSampledResult(jobResult) || !isSampledResult(serial)) throw new Error("expected sampler results");
  expect(Array.from(jobResult.samples.points)).toEqual(Array.from(serial.samples.points));
  return { problem, serial };
}

describe("%%fit model bands on the workers", () => {
  let work = "";
  beforeAll(() => {
    ({ work } = freshDirs());
    useBackend("slurm");
  });

  test("a job spread over four nodes has its workers evaluate the band, which equals the serial band", async () => {
    const { value } = await runFit(`${DREAM} --nodes=4 --ntasks=8 --time=5 --job-name=bands`, bandModel());
    const job = asFitJob(value);
    const result = await job.wait({ pollMs: 300 });
    const out = readFileSync(job.job.stdout!, "utf8");
    expect(out).toMatch(new RegExp(`model band of ${BAND_DRAWS} draws evaluated by the workers`));
    // The sampler evaluates the first draw itself (to time it); the workers the others.
    expect(out).toMatch(new RegExp(`${BAND_DRAWS - 1} band draws evaluated by the workers`));
    const progress = readProgress(job.dir)!;
    expect(progress.bandSeconds).toBeGreaterThan(0);
    expect(progress.bandSeconds!).toBeLessThan(progress.fitSeconds!);
    // So is the result's build after the last generation (statistics, diagnostics).
    expect(progress.summarySeconds).toBeGreaterThan(0);
    expect(progress.bandSeconds! + progress.summarySeconds!).toBeLessThan(progress.fitSeconds!);

    const { problem, serial } = await serialFit(job.dir, result);
    const band = result.models[0].curve?.bands;
    expect(band?.draws).toBe(BAND_DRAWS);
    expect(band).toEqual(serialBand(problem, serial));
  });

  test("a worker killed while it holds band draws: they are re-sent, and the band equals the serial band", async () => {
    const marks = mkdtempSync(join(work, "band-marks-"));
    const release = join(marks, "..", `${marks.split("/").at(-1)}.release`);
    // Held evaluations send no heartbeats: only the closed connection may tell the sampler of the loss.
    process.env.HPCFIT_FIT_DEAD_AFTER_MS = String(24 * 3600_000);
    const { value } = await runFit(
      `${DREAM} --nodes=2 --ntasks=4 --time=5 --job-name=bands-loss`,
      bandModel({ marks, release }),
    ).finally(() => {
      delete process.env.HPCFIT_FIT_DEAD_AFTER_MS;
    });
    const job = asFitJob(value);
    // Every worker given band draws holds them; the first one to say so is killed.
    let victim: number | undefined;
    try {
      for (let i = 0; i < 1800 && victim === undefined && !job.job.done; i++) {
        const held = readdirSync(marks).map(Number);
        if (held.length > 0) victim = held[0];
        else await new Promise((r) => setTimeout(r, 100));
      }
      expect(victim).toBeDefined();
      process.kill(victim!, "SIGKILL");
      const lost = new RegExp(`worker \\S+:${victim} lost \\(its connection closed\\); re-sending its \\d+ points`);
      for (let i = 0; i < 300 && !lost.test(readFileSync(job.job.stdout!, "utf8")); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(readFileSync(job.job.stdout!, "utf8")).toMatch(lost);
    } finally {
      writeFileSync(release, "");
    }
    const result = await job.wait({ pollMs: 300 });
    const out = readFileSync(job.job.stdout!, "utf8");
    expect(out).toMatch(new RegExp(`model band of ${BAND_DRAWS} draws evaluated by the workers`));
    expect(out).toMatch(/1 slice\(s\) of points were re-sent after workers were lost/);
    // What was re-sent is the victim's share of the band's draws (at most four workers shared
    // them), not a generation's few points.
    const resent = Number(new RegExp(`worker \\S+:${victim} lost .*re-sending its (\\d+) points`).exec(out)?.[1]);
    expect(resent).toBeGreaterThanOrEqual(Math.floor((BAND_DRAWS - 1) / 4));

    const { problem, serial } = await serialFit(job.dir, result);
    expect(result.models[0].curve?.bands).toEqual(serialBand(problem, serial));
  });
});
