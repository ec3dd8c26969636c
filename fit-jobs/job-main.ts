#!/usr/bin/env node
/**
 * The fit job's driver process, started by the generated batch script:
 * `node job-main.js DIR --mode=srun|threads|serial --workers=N [--resume]`.
 * Exits 0 when the result is stored, 1 when the fit failed (the reason is in the job's output
 * and in `store/progress.json`).
 */
import { runFitJob, type DriverOptions } from "./driver.js";

function parse(argv: string[]): { dir: string; options: DriverOptions } {
  const [dir, ...rest] = argv;
  if (dir === undefined) throw new Error("usage: job-main.js DIR --mode=srun|threads|serial --workers=N [--resume]");
  const options: DriverOptions = { mode: "serial", workers: 1 };
  for (const arg of rest) {
    const [name, value] = arg.split("=", 2) as [string, string | undefined];
    if (name === "--mode" && (value === "srun" || value === "threads" || value === "serial")) options.mode = value;
    else if (name === "--workers" && value !== undefined && /^\d+$/.test(value)) options.workers = Number(value);
    else if (name === "--resume" && value === undefined) options.resume = true;
    else if (name === "--dead-after-ms" && value !== undefined && /^\d+$/.test(value)) options.deadAfterMs = Number(value);
    else throw new Error(`job-main: unknown argument ${arg}`);
  }
  return { dir, options };
}

try {
  const { dir, options } = parse(process.argv.slice(2));
  if (process.env.HPCFIT_FIT_DEAD_AFTER_MS) options.deadAfterMs = Number(process.env.HPCFIT_FIT_DEAD_AFTER_MS);
  await runFitJob(dir, options);
} catch (e) {
  process.stderr.write(`hpcfit fit job: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
