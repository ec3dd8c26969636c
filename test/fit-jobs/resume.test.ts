// Checkpoint and resume: the job driver (the process a fit job's script starts) killed after a
// checkpoint and started again with --resume ends with exactly the chains of a run that was never
// interrupted.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { isSampledResult } from "hpcfit";
import { useBackend } from "../../jobs/api.js";
import { prepareFitJob } from "../../fit-jobs/fit-job.js";
import { checkpointPath } from "../../fit-jobs/checkpoint.js";
import { parseFitLine } from "../../fit-jobs/options.js";
import { compiledEntry } from "../../util/paths.js";
import { loadResult } from "../../fit/node/store.js";
import { freshDirs, lineModel } from "./support.js";

function driver(dir: string, args: string[]): { done: Promise<number | null>; kill: () => void } {
  const child = spawn(process.execPath, [compiledEntry("fit-jobs/job-main.js"), dir, "--mode=serial", "--workers=1", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr.on("data", (d: Buffer) => (log += d.toString()));
  return {
    done: new Promise((resolve) =>
      child.on("exit", (code) => {
        if (code !== 0 && code !== null) console.error(log);
        resolve(code);
      }),
    ),
    kill: () => child.kill("SIGKILL"),
  };
}

describe("fit job checkpoint and --resume", () => {
  beforeAll(() => {
    freshDirs();
    useBackend("local");
  });

  test("a killed DREAM run resumed from its checkpoint gives the uninterrupted run's chains", async () => {
    const line = "--fit=dream --samples=600 --burn=40 --seed=11 --checkpoint=0.2";
    const model = lineModel({ spinMs: 2 });
    const whole = await prepareFitJob(parseFitLine(line), model, {});
    expect(await driver(whole.dir, []).done).toBe(0);

    const cut = await prepareFitJob(parseFitLine(line), model, {});
    const first = driver(cut.dir, []);
    for (let i = 0; i < 300 && !existsSync(checkpointPath(cut.dir)); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(checkpointPath(cut.dir))).toBe(true);
    first.kill();
    await first.done;
    expect(existsSync(join(cut.dir, "store", "fit.json"))).toBe(false);
    const checkpoint = JSON.parse(readFileSync(checkpointPath(cut.dir), "utf8")) as { state: { generation: number } };
    expect(checkpoint.state.generation).toBeGreaterThan(0);

    expect(await driver(cut.dir, ["--resume"]).done).toBe(0);
    const a = await loadResult(join(whole.dir, "store"), "fit");
    const b = await loadResult(join(cut.dir, "store"), "fit");
    if (!isSampledResult(a) || !isSampledResult(b)) throw new Error("expected sampler results");
    expect(Array.from(b.samples.points)).toEqual(Array.from(a.samples.points));
    expect(Array.from(b.samples.logp)).toEqual(Array.from(a.samples.logp));
    const progress = JSON.parse(readFileSync(join(cut.dir, "store", "progress.json"), "utf8")) as {
      phase: string;
      resumedFrom: number;
    };
    expect(progress.phase).toBe("done");
    expect(progress.resumedFrom).toBeGreaterThan(0);
  });
});
