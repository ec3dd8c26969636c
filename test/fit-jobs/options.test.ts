// One definition, one wording: `fit()`, `hpcfit fit` and `%%fit` refuse a fractional DREAM
// population with the same message, and the two doors refuse it while parsing, before a model is
// loaded or a job directory written.
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { Curve, FitProblem, fit } from "hpcfit";
import { freshDirs, lineModel, runFit } from "./support.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(ROOT, "dist", "cli", "main.js");

function cli(...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 60_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}

async function engineMessage(options: object): Promise<string> {
  const M = new Curve((x: number, a = 1, b = 0) => a * x + b, [0, 1, 2, 3], [1, 3, 5, 7], 0.1);
  M.a.range(-10, 10);
  M.b.range(-10, 10);
  const error = await fit(new FitProblem(M), options as never).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (error === undefined) throw new Error(`fit accepted ${JSON.stringify(options)}`);
  return error.message;
}

describe("fit options: the same refusal from fit(), hpcfit fit and %%fit", () => {
  test.each([
    ["--fit=dream --pop=2.5", { method: "dream", pop: 2.5 }],
    ["--fit=lm --samples=5", { method: "lm", samples: 5 }],
    ["--fit=smc --particles=0", { method: "smc", particles: 0 }],
    ["--fit=de --CR=1.5", { method: "de", CR: 1.5 }],
    ["--fit=dream --starts=2", { method: "dream", starts: 2 }],
  ])("%s", async (flags, options) => {
    const expected = await engineMessage(options);
    // A model file that does not exist: the command line must refuse the flags before loading it.
    const run = await cli("fit", join(ROOT, "no-such-model.ts"), ...flags.split(" "));
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim()).toBe(`hpcfit fit: ${expected}`);

    const { work } = freshDirs();
    const error = await runFit(flags, lineModel()).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.name).toBe("UserError");
    expect(error?.message).toBe(`%%fit: ${expected}`);
    expect(existsSync(join(work, "fit-jobs")) ? readdirSync(join(work, "fit-jobs")) : []).toEqual([]);
  });
});
