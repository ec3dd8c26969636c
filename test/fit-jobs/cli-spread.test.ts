// `hpcfit fit --parallel N` inside a Slurm batch job of four nodes (the shared test cluster) runs
// its N evaluation workers with srun on every node, and stores what a serial run stores: DREAM's
// chains, lm's result from Jacobian columns evaluated on the workers, de's from trial points there.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { promisify } from "node:util";
import { describe, expect, inject, test } from "vitest";
import { expandTasksPerNode, placeWorkers } from "../../fit/node/srun-workers.js";
import { lineModel } from "./support.js";
import { shellQuote } from "../../util/shell.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(ROOT, "dist", "cli", "main.js");
const DREAM = ["--allow-unconverged", "--fit=dream", "--samples=400", "--burn=30", "--seed=5"];

/** Runs `hpcfit fit` on `model` with `args` and `--parallel 8` as a batch job of 4 nodes and 8 tasks; resolves with its output. */
async function fitInJob(dir: string, model: string, args: string[], store: string): Promise<string> {
  const script = join(dir, `${store}.sh`);
  writeFileSync(
    script,
    `#!/bin/bash\nexec ${[process.execPath, CLI, "fit", model, ...args, "--parallel", "8", "--store", join(dir, store)].map(shellQuote).join(" ")}\n`,
  );
  const env = { ...process.env, SLURM_CONF: inject("slurmConf") };
  const output = join(dir, `${store}.out`);
  await run("sbatch", ["--wait", "--nodes=4", "--ntasks=8", "--time=5", `--output=${output}`, script], {
    env,
    timeout: 240_000,
  });
  return readFileSync(output, "utf8");
}

describe("hpcfit fit --parallel in a job of several nodes", () => {
  test("workers go to the nodes by the tasks Slurm gave each, and never more than the job has", () => {
    expect(expandTasksPerNode("4(x3),2")).toEqual([4, 4, 4, 2]);
    expect(expandTasksPerNode("1")).toEqual([1]);
    expect(() => expandTasksPerNode("4(3)")).toThrow(/cannot read SLURM_TASKS_PER_NODE=4\(3\)/);
    const allocation = { nodes: ["n1", "n2", "n3"], tasksPerNode: [4, 4, 2] };
    expect(placeWorkers(allocation, 6)).toEqual([
      { node: "n1", tasks: 2 },
      { node: "n2", tasks: 2 },
      { node: "n3", tasks: 2 },
    ]);
    expect(placeWorkers(allocation, 2)).toEqual([
      { node: "n1", tasks: 1 },
      { node: "n2", tasks: 1 },
    ]);
    expect(placeWorkers(allocation, 10)).toEqual([
      { node: "n1", tasks: 4 },
      { node: "n2", tasks: 4 },
      { node: "n3", tasks: 2 },
    ]);
    expect(() => placeWorkers(allocation, 11)).toThrow(/11 evaluation workers asked for, but the job has 10 tasks/);
  });

  test("runs srun'd workers on all four nodes and stores the serial run's chains", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hpcfit-cli-spread-"));
    const model = join(dir, "line.ts");
    writeFileSync(model, lineModel());
    const out = await fitInJob(dir, model, DREAM, "spread");
    expect(out).toMatch(/hpcfit fit: 8 evaluation workers connected on 4 nodes \(n1, n2, n3, n4\)/);
    expect(out).toMatch(/stored /);

    await run(process.execPath, [CLI, "fit", model, ...DREAM, "--store", join(dir, "serial")], { timeout: 120_000 });
    const chain = (sub: string): string => gunzipSync(readFileSync(join(dir, sub, "line-chain.mc.gz"))).toString();
    expect(chain("spread")).toBe(chain("serial"));
    expect(readFileSync(join(dir, "spread", "line.par"), "utf8")).toBe(readFileSync(join(dir, "serial", "line.par"), "utf8"));
  });

  // lm hands each Jacobian's finite-difference points to the workers (each start's, one after the
  // other, since the starts share the job's workers), de each generation's trial points, amoeba
  // each new simplex's vertices.
  const optimizers = [
    { method: "lm", args: ["--fit=lm", "--starts=2", "--seed=3"] },
    { method: "de", args: ["--allow-unconverged", "--fit=de", "--steps=40", "--seed=4"] },
    { method: "amoeba", args: ["--fit=amoeba", "--seed=2"] },
  ];
  for (const { method, args } of optimizers) {
    test(`${method} on srun'd workers over the four nodes stores the serial fit's result`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `hpcfit-cli-spread-${method}-`));
      const model = join(dir, "line.ts");
      writeFileSync(model, lineModel());
      const out = await fitInJob(dir, model, args, "spread");
      expect(out).toMatch(/hpcfit fit: 8 evaluation workers connected on 4 nodes \(n1, n2, n3, n4\)/);
      expect(out).toMatch(/stored /);
      const serial = await run(process.execPath, [CLI, "fit", model, ...args, "--store", join(dir, "serial")], {
        timeout: 120_000,
      });
      const stored = (sub: string, file: string): string => readFileSync(join(dir, sub, file), "utf8");
      // The values at full precision, and the whole stored result: covariance, chisq, evaluation
      // count, message; but for the count of points lm's rounds evaluated ahead of need on the
      // workers (none serially), which says how it ran, not what it found.
      expect(stored("spread", "line.par")).toBe(stored("serial", "line.par"));
      const ahead = (text: string): unknown => (JSON.parse(text) as { result: { speculative?: unknown } }).result.speculative;
      const fitOnly = (text: string): string =>
        JSON.stringify(JSON.parse(text), (k, v: unknown) => (k === "speculative" ? undefined : v));
      expect(fitOnly(stored("spread", "line.json"))).toBe(fitOnly(stored("serial", "line.json")));
      expect(ahead(stored("serial", "line.json"))).toBeUndefined();
      if (method === "lm") expect(ahead(stored("spread", "line.json"))).toEqual(expect.any(Number));
      const report = (text: string): string => text.slice(text.indexOf("[[Fit Statistics]]"), text.indexOf("stored "));
      expect(report(out)).not.toBe("");
      expect(report(out)).toBe(report(serial.stdout));
    });
  }
});
