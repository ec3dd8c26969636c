/**
 * What the fit-job tests share: a cheap model cell (a line through ten points, evaluated in
 * microseconds, optionally slowed by busy-waiting so a run lasts long enough to kill a worker),
 * the magic's recording context, and helpers to read what it displayed.
 */
import { MagicRegistry } from "../../kernel/magics/registry.js";
import { fitMagic } from "../../magics/fit.js";
import type { FitJob } from "../../fit-jobs/fit-job.js";
import type { Recorded } from "../jobs/support.js";
import { recordingContext } from "../jobs/support.js";
import { weightedLine } from "../support/weighted-line.js";

export { recordingContext, freshDirs } from "../jobs/support.js";

/**
 * A model cell: y = a·x + b with noise-free data built from `slope` (a kernel variable when
 * `useVar`), each evaluation busy-waiting `spinMs` milliseconds.
 *
 * With `gate` (a file path), evaluations in a fit job's directory wait once the job's sampler has
 * reported that it runs (`store/progress.json` in the working directory says "running") until
 * that file exists: the job then stays RUNNING, with its progress shown, until the test has seen
 * it, however fast the fit and however slow the machine. Elsewhere (the model check, a fit in the
 * test itself) and once the file exists, evaluations go at full speed. The waiting changes no
 * number the fit computes. With `gateWorkersOnly`, only the evaluation workers (`hpcfit fit-worker`
 * processes and their threads) wait: the driver's own model calls (the progress line's chisq) go
 * on, so its event loop stays free to write the progress of a spread fit that the gate holds.
 */
export function lineModel(options: { spinMs?: number; useVar?: boolean; gate?: string; gateWorkersOnly?: boolean } = {}): string {
  const spin = options.spinMs ?? 0;
  const gate =
    options.gate === undefined
      ? []
      : [
          `import { existsSync, readFileSync } from "node:fs";`,
          `import { join } from "node:path";`,
          `const GATE = ${JSON.stringify(options.gate)};`,
          `const PROGRESS = join(process.cwd(), "store", "progress.json");`,
          `const nap = new Int32Array(new SharedArrayBuffer(4));`,
          `const running = (): boolean => { try { return JSON.parse(readFileSync(PROGRESS, "utf8")).phase === "running"; } catch { return false; } };`,
          `let open = false;`,
          `const gate = (): void => {`,
          `  if (open${options.gateWorkersOnly === true ? ' || !process.argv.includes("fit-worker")' : ""}) return;`,
          `  while (!existsSync(GATE) && running()) Atomics.wait(nap, 0, 0, 20);`,
          `  open = existsSync(GATE);`,
          `};`,
        ];
  return [
    `import { Curve, FitProblem } from "hpcfit";`,
    ...gate,
    `const xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];`,
    options.useVar
      ? `const ys = xs.map((x, i) => slope * x + 1 + 0.2 * Math.sin(5 * i));`
      : `const ys = xs.map((x, i) => 2 * x + 1 + 0.2 * Math.sin(5 * i));`,
    `const spin = (ms: number): void => { const end = performance.now() + ms; while (performance.now() < end); };`,
    options.gate === undefined
      ? `const M = new Curve((x: number, a = 1, b = 0) => { if (x === 0 && ${spin} > 0) spin(${spin}); return a * x + b; }, xs, ys, 0.2);`
      : `const M = new Curve((x: number, a = 1, b = 0) => { if (x === 0) { gate(); if (${spin} > 0) spin(${spin}); } return a * x + b; }, xs, ys, 0.2);`,
    `M.a.range(-10, 10);`,
    `M.b.range(-10, 10);`,
    `export const problem = new FitProblem(M);`,
    "",
  ].join("\n");
}

/** A registry holding only %%fit. */
export function fitRegistry(): MagicRegistry {
  const r = new MagicRegistry();
  r.register(fitMagic);
  return r;
}

/** Runs `%%fit args` with `body` in a recording context. */
export async function runFit(
  args: string,
  body: string | undefined,
  vars: Record<string, unknown> = {},
): Promise<{ value: unknown; outputs: Recorded[] }> {
  const context = recordingContext(vars);
  const value = await fitMagic.run(args, context, body);
  return { value, outputs: context.outputs };
}

/** The text/plain of every display output (first and updates), in order. */
export function displayTexts(outputs: Recorded[]): string[] {
  return outputs
    .filter((o): o is Extract<Recorded, { kind: "display" }> => o.kind === "display")
    .map((o) => (typeof o.data["text/plain"] === "string" ? o.data["text/plain"] : ""));
}

/** The job a `%%fit` returned. */
export function asFitJob(value: unknown): FitJob {
  if (value === null || typeof value !== "object" || !("job" in value) || !("dir" in value))
    throw new Error(`expected a FitJob, got ${String(value)}`);
  return value as FitJob;
}

/** Points of a line with one-standard-deviation errors, for models that read them from a data file. */
export const LINE_POINTS = {
  x: [1, 2, 3, 4, 5, 6, 7, 8],
  y: [3.1, 4.9, 7.2, 8.8, 11.1, 13.05, 14.8, 17.2],
  dy: [0.1, 0.1, 0.2, 0.1, 0.2, 0.2, 0.1, 0.3],
};

/** {@link LINE_POINTS} as the text of a data file with a header naming the columns x, y, dy. */
export function linePointsFile(): string {
  const { x, y, dy } = LINE_POINTS;
  return ["# a line measured at eight points", "x y dy", ...x.map((xi, i) => `${xi} ${y[i]} ${dy[i]}`)].join("\n") + "\n";
}

/**
 * A model file fitting y = m x + b to the columns x, y, dy of the data file `path`, written as
 * the model reads it: a string (relative to the working directory) or `new URL(path, import.meta.url)`.
 */
export function dataModel(path: string, how: "relative" | "beside" = "relative"): string {
  const where = how === "beside" ? `new URL(${JSON.stringify(path)}, import.meta.url)` : JSON.stringify(path);
  return [
    `import { Curve, FitProblem, readData } from "hpcfit";`,
    `const { x, y, dy } = await readData(${where}, { x: "x", y: "y", dy: "dy" });`,
    `const M = new Curve((x: number, m = 1, b = 0) => m * x + b, x, y, dy);`,
    `M.m.range(0, 5);`,
    `M.b.range(-5, 5);`,
    `export const problem = new FitProblem(M);`,
    "",
  ].join("\n");
}

/** The weighted least-squares line through {@link LINE_POINTS}. */
export function linePointsFit(): { m: number; b: number } {
  const { x, y, dy } = LINE_POINTS;
  return weightedLine(x, y, dy);
}
