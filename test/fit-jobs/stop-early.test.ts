// A fit job whose sampling ends early keeps its draws: SIGTERM (what Slurm sends at the time
// limit and on scancel) and --max-time both end with the draws so far stored, marked as stopped,
// and the job's status line says so. `hpcfit fit --max-time` does the same in a terminal.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { isSampledResult } from "hpcfit";
import { useBackend } from "../../jobs/api.js";
import { prepareFitJob } from "../../fit-jobs/fit-job.js";
import { fitStatusLine } from "../../fit-jobs/display.js";
import { parseFitLine } from "../../fit-jobs/options.js";
import { compiledEntry } from "../../util/paths.js";
import { readProgress } from "../../fit-jobs/progress.js";
import { loadResult } from "../../fit/node/store.js";
import { ROOT } from "../support/kernel-client.js";
import { freshDirs, lineModel } from "./support.js";

function driver(dir: string): { done: Promise<number | null>; child: ReturnType<typeof spawn>; log: () => string } {
  const child = spawn(process.execPath, [compiledEntry("fit-jobs/job-main.js"), dir, "--mode=serial", "--workers=1"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr.on("data", (d: Buffer) => (log += d.toString()));
  return { child, log: () => log, done: new Promise((resolve) => child.on("exit", (code) => resolve(code))) };
}

async function sampled(dir: string) {
  const r = await loadResult(join(dir, "store"), "fit");
  if (!isSampledResult(r)) throw new Error("expected a sampler result");
  return r;
}

const row = { id: "7", name: "line", state: "COMPLETED" } as Parameters<typeof fitStatusLine>[0];

describe("a fit job stopped early stores its draws", () => {
  beforeAll(() => {
    freshDirs();
    useBackend("local");
  });

  test("%%fit --max-time takes seconds or a duration, and refuses anything else at parse time", () => {
    expect(parseFitLine("--fit=dream --max-time=10m").fit.maxTime).toBe(600);
    expect(parseFitLine("--fit=dream --max-time 01:30:00").fit.maxTime).toBe(5400);
    expect(parseFitLine("--fit=dream --max-time=45").fit.maxTime).toBe(45);
    expect(() => parseFitLine("--fit=dream --max-time=soon")).toThrow(
      /option maxTime must be a positive number of seconds or a duration such as "90s", "10m", "1h30m" or "01:30:00", got "soon"/,
    );
  });

  test("SIGTERM during DREAM: the driver stores the draws so far, marked stopped, and exits 0", async () => {
    const job = await prepareFitJob(parseFitLine("--fit=dream --samples=200000 --burn=5 --seed=3"), lineModel({ spinMs: 1 }), {});
    const run = driver(job.dir);
    for (let i = 0; i < 600 && !((readProgress(job.dir)?.step ?? 0) > 10); i++) await new Promise((r) => setTimeout(r, 50));
    expect(readProgress(job.dir)?.phase).toBe("running");
    run.child.kill("SIGTERM");
    expect(await run.done, run.log()).toBe(0);
    const r = await sampled(job.dir);
    expect(r.stopped).toBe("signal");
    expect(r.samples.size).toBeGreaterThan(0);
    expect(r.samples.generations).toBeLessThan(5 + 200000 / 20);
    const progress = readProgress(job.dir)!;
    expect(progress.phase).toBe("done");
    expect(progress.stopped).toBe("signal");
    expect(fitStatusLine(row, progress)).toMatch(/stopped by the abort signal; the draws so far are stored/);
    expect(run.log()).toMatch(/SIGTERM: stopping the fit and storing what it has so far/);
  });

  test("--max-time ends a DREAM job with its draws stored", async () => {
    const job = await prepareFitJob(
      parseFitLine("--fit=dream --samples=200000 --burn=5 --seed=4 --max-time=1.5s"),
      lineModel({ spinMs: 1 }),
      {},
    );
    const run = driver(job.dir);
    expect(await run.done, run.log()).toBe(0);
    const r = await sampled(job.dir);
    expect(r.stopped).toBe("maxTime");
    expect(r.samples.size).toBeGreaterThan(0);
    expect(readProgress(job.dir)?.stopped).toBe("maxTime");
  });

  test("hpcfit fit --max-time stores the draws so far, and a bad duration fails before fitting", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hpcfit-maxtime-"));
    const model = join(dir, "line.ts");
    writeFileSync(model, lineModel({ spinMs: 1 }));
    const cli = (...args: string[]) =>
      new Promise<{ code: number; out: string }>((resolve) =>
        execFile(
          process.execPath,
          [join(ROOT, "dist", "cli", "main.js"), "fit", model, ...args],
          { cwd: dir, timeout: 60_000 },
          (e, stdout, stderr) => resolve({ code: e ? (typeof e.code === "number" ? e.code : -1) : 0, out: stdout + stderr }),
        ),
      );
    const ok = await cli("--fit=dream", "--samples=200000", "--burn=5", "--max-time=1", "--store", join(dir, "store"));
    expect(ok.out).toMatch(/stopped at the time limit \(maxTime\)/);
    expect(existsSync(join(dir, "store", "line.json"))).toBe(true);
    const stored = JSON.parse(readFileSync(join(dir, "store", "line.json"), "utf8")) as { init: { stopped?: string } };
    expect(stored.init.stopped).toBe("maxTime");
    const bad = await cli("--fit=dream", "--max-time=soon");
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/option maxTime must be a positive number of seconds or a duration/);
  });
});
