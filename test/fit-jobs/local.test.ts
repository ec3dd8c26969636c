// %%fit on hpcfit's local scheduler, driven through a MagicContext: bad lines and bad cells are
// refused before anything is written or submitted; --dry-run shows the script; a DREAM job with
// --ntasks=2 uses worker threads and gives the serial chains; %fit results / %fit jobs find it.
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { fit, isSampledResult, type Problem } from "hpcfit";
import { list, submit, useBackend } from "../../jobs/api.js";
import { fitResultFile } from "../../fit-jobs/result-file.js";
import { readSpec } from "../../fit-jobs/job-directory.js";
import { FIT_MIME } from "../../schema/fit.js";
import { MCMC_MIME } from "../../schema/mcmc.js";
import { asFitJob, displayTexts, freshDirs, lineModel, runFit } from "./support.js";

let work = "";
const jobDirs = (): string[] => (existsSync(join(work, "fit-jobs")) ? readdirSync(join(work, "fit-jobs")) : []);

describe("%%fit on the local backend", () => {
  beforeAll(() => {
    ({ work } = freshDirs());
    useBackend("local");
  });

  test("bad options and cells without a problem are refused before anything is written or submitted", async () => {
    const before = (await list({ states: "all" })).length;
    const model = lineModel();
    const cases: Array<[string, string, RegExp]> = [
      ["--fit=dream --bogus=1", model, /unknown option --bogus/],
      ["--steps=-3", model, /option steps must be a positive integer, got -3/],
      ["--samples", model, /--samples needs a value/],
      ["--time=soon", model, /time/i],
      ["--mail-type=SOMETIMES", model, /--mail-type: unknown type "SOMETIMES"/],
      ["--fit=nosuch", model, /--fit: .*nosuch/],
      [
        "--ntasks=2",
        model,
        /--ntasks=2 spreads a fit's independent evaluations over workers \(--fit=lm or --fit=amoeba or --fit=de or --fit=dream or --fit=smc\); the default method evaluates one point at a time/,
      ],
      ["--fit=newton --ntasks=2", model, /--ntasks=2 spreads .*; newton evaluates one point at a time/],
      ["--fit=dream --thin=0", model, /option thin must be a positive integer/],
      ["--fit=dream --pop=2.5", model, /^%%fit: option pop must be a positive integer, got 2\.5$/],
      ["--fit=dream --smaples=5", model, /unknown option --smaples: did you mean --samples\?/],
      ["--fit=dream --until=rhat=0.9", model, /^%%fit: option until must be targets .*got "rhat=0\.9"/],
      ["--fit=lm --until=ess=500", model, /^%%fit: fit option until is not used by lm/],
      ["--fit=lm --samples=5", model, /^%%fit: fit option samples is not used by lm; it is used by dream$/],
      ["--local --dry-run", model, /exclude each other/],
      ["--var=missing", model, /--var missing: the notebook has no variable missing/],
      ["--var=2x", model, /--var needs a variable name, got "2x"/],
      ["--fit=dream", "export const x = 1;\n", /exports no fit problem/],
      ["--fit=dream", "export const problem = 42;\n", /not a fit problem/],
      ["--fit=dream", "const = ;\n", /syntax error/],
      ["--fit=dream", "throw new Error('no data file');\n", /no data file/],
      ["--fit=dream", "   \n", /the cell is empty/],
      ["stray words", model, /unexpected word "stray"/],
    ];
    for (const [line, body, message] of cases) {
      const error = await runFit(line, body).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.name, line).toBe("UserError");
      expect(error?.message, line).toMatch(message);
    }
    expect(jobDirs()).toEqual([]);
    expect((await list({ states: "all" })).length).toBe(before);
  });

  test("--dry-run shows the script with the requested #SBATCH lines, and writes and submits nothing", async () => {
    const before = (await list({ states: "all" })).length;
    const { outputs, value } = await runFit(
      `--fit=dream --samples=200 --ntasks=2 --cpus-per-task=1 --mem-per-cpu=100M --time=00:10:00 --job-name="My important job" --mail-type=END --mail-user=a@b.c --sbatch="--comment=hello" --dry-run`,
      lineModel(),
    );
    expect(value).toBeUndefined();
    const text = outputs.map((o) => (o.kind === "stream" ? o.text : "")).join("");
    for (const line of [
      "#SBATCH '--job-name=My important job'",
      "#SBATCH --ntasks=2",
      "#SBATCH --cpus-per-task=1",
      "#SBATCH --mem-per-cpu=100M",
      "#SBATCH --time=00:10:00",
      "#SBATCH --mail-type=END",
      "#SBATCH --mail-user=a@b.c",
      "#SBATCH --comment=hello",
    ])
      expect(text).toContain(line);
    expect(text).toMatch(/Dry run: nothing submitted, nothing written/);
    expect(text).toContain(`The job directory would be ${join(work, "fit-jobs", "My-important-job-")}`);
    expect(text).toMatch(/fits a, b/);
    expect(jobDirs()).toEqual([]);
    expect((await list({ states: "all" })).length).toBe(before);
  });

  test("--dir stays in the notebook's folder unless it is absolute, and is normalised", async () => {
    const etc = readdirSync("/etc");
    const escape = await runFit("--dry-run --dir=../../../../etc", lineModel()).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(escape?.message).toMatch(
      /--dir=\.\.\/\.\.\/\.\.\/\.\.\/etc leads out of the notebook's folder .* to \/etc; give an absolute path/,
    );
    await expect(runFit("--dir=../elsewhere", lineModel())).rejects.toThrow(/leads out of the notebook's folder/);
    expect(readdirSync("/etc")).toEqual(etc);
    const inside = await runFit("--dry-run --dir=sub/../jobs", lineModel());
    expect(inside.outputs.map((o) => (o.kind === "stream" ? o.text : "")).join("")).toContain(
      `would be ${join(work, "jobs", "fit-")}`,
    );
    const absolute = mkdtempSync(join(tmpdir(), "hpcfit-abs-jobs-"));
    const abs = await runFit(`--dry-run --dir=${absolute}/x/../y`, lineModel());
    expect(abs.outputs.map((o) => (o.kind === "stream" ? o.text : "")).join("")).toContain(
      `would be ${join(absolute, "y", "fit-")}`,
    );
    expect(readdirSync(absolute)).toEqual([]);
    expect(existsSync(join(work, "jobs")) || existsSync(join(work, "sub"))).toBe(false);
  });

  test("a DREAM job with --ntasks=2 runs on worker threads, equals serial, and %fit results / %fit jobs find it", async () => {
    const slope = 3;
    const { value, outputs } = await runFit(
      "--fit=dream --samples=300 --burn=20 --seed=3 --ntasks=2 --var slope --job-name=threads",
      lineModel({ useVar: true }),
      { slope },
    );
    const job = asFitJob(value);
    const result = await job.wait({ pollMs: 200 });
    await job.follow({ update: () => undefined });
    expect(readSpec(job.dir).vars).toEqual(["slope"]);
    const last = outputs.filter((o) => o.kind === "display").at(-1)!;
    if (last.kind !== "display") throw new Error("no display");
    expect(last.data[FIT_MIME]).toBeDefined();
    expect(last.data[MCMC_MIME]).toBeDefined();
    expect(displayTexts(outputs).at(-1)).toMatch(/COMPLETED/);
    const module = (await import(join(job.dir, "model.ts"))) as { problem: Problem };
    const serial = await fit(module.problem, { method: "dream", samples: 300, burn: 20, seed: 3 });
    if (!isSampledResult(result) || !isSampledResult(serial)) throw new Error("expected sampler results");
    expect(Array.from(result.samples.points)).toEqual(Array.from(serial.samples.points));
    // The data came from the kernel variable: the slope is near 3.
    expect(result.x[0]).toBeGreaterThan(2.8);
    expect(result.x[0]).toBeLessThan(3.2);

    const again = (await runFit(`results ${job.id}`, undefined)).value as Record<symbol, () => Record<string, unknown>>;
    const bundle = again[Symbol.for("hpcfit.display")]();
    expect(bundle[FIT_MIME]).toEqual(last.data[FIT_MIME]);
    expect(bundle[MCMC_MIME]).toEqual(last.data[MCMC_MIME]);
    const byDir = (await runFit(`results ${job.dir}`, undefined)).value as Record<symbol, () => Record<string, unknown>>;
    expect(byDir[Symbol.for("hpcfit.display")]()[FIT_MIME]).toEqual(last.data[FIT_MIME]);

    const jobsList = (await runFit("jobs", undefined)).value as Array<{ id: string; dir: string }> &
      Record<symbol, () => Record<string, unknown>>;
    expect(jobsList.map((j) => j.id)).toContain(job.id);
    expect(String(jobsList[Symbol.for("hpcfit.display")]()["text/plain"])).toContain(job.dir);
    await expect(runFit("results 999999", undefined)).rejects.toThrow(/no such job: 999999/);

    // The Jobs panel's "Results" opens this job's stored result, and a plain job run in the
    // same folder has none.
    expect(fitResultFile(job.job.tasks[0])).toBe(join(job.dir, "store", "fit.json"));
    const plain = await submit({ args: ["--wrap", "true"], cwd: job.dir });
    expect(fitResultFile(plain.tasks[0])).toBeNull();
  });

  test("--until samples a DREAM job until its targets are met, and the result says so", async () => {
    const { value, outputs } = await runFit(
      "--fit=dream --samples=200 --burn=5 --seed=1 --until ess=600 --job-name=until",
      lineModel(),
    );
    const job = asFitJob(value);
    expect(readSpec(job.dir).fit.until).toEqual({ ess: 600 });
    const result = await job.wait({ pollMs: 200 });
    await job.follow({ update: () => undefined });
    if (!isSampledResult(result)) throw new Error("expected a sampler result");
    expect(result.samples.until).toMatchObject({ targets: { ess: 600 }, met: true, ended: "met" });
    // More draws than the 200 asked for: sampling went on until every ESS reached 600.
    expect(result.samples.nthin * result.samples.nchains).toBeGreaterThan(200);
    expect(result.samples.until!.ess).toBeGreaterThanOrEqual(600);
    const last = outputs.filter((o) => o.kind === "display").at(-1)!;
    if (last.kind !== "display") throw new Error("no display");
    const bundle = last.data[MCMC_MIME] as { diagnostics: { until?: unknown } };
    expect(bundle.diagnostics.until).toEqual(result.samples.until);
    expect(displayTexts(outputs).at(-1)).toMatch(/until ESS >= 600: met after \d+ checks/);
  });
});
