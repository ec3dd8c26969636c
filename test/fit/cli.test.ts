// `hpcfit fit` through the built CLI (node dist/cli/main.js; npm test builds first): the line fit
// of examples/curve.ts with every optimizer, the stored files, a model outside the repository
// that imports "hpcfit", and bad model files and options, each with a specific message and a
// non-zero exit status.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { DISPLAY, loadResult } from "hpcfit";
import { weightedLine } from "../support/weighted-line.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(ROOT, "dist", "cli", "main.js");
const CURVE = join(ROOT, "examples", "curve.ts");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function hpcfit(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

// Weighted least squares of y = m x + b, solved in closed form, as the reference.
const X = [1, 2, 3, 4, 5, 6];
const Y = [2.1, 4.0, 6.3, 8.03, 9.6, 11.9];
const DY = [0.05, 0.05, 0.2, 0.05, 0.2, 0.2];
function lineReference(): { m: number; b: number; chisq: number } {
  const { m, b } = weightedLine(X, Y, DY);
  let rss = 0;
  for (let i = 0; i < X.length; i++) rss += ((m * X[i] + b - Y[i]) / DY[i]) ** 2;
  return { m, b, chisq: rss / (X.length - 2) };
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "hpcfit-cli-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The value of `name` in the report's [[Variables]] section. */
function reported(stdout: string, name: string): number {
  const match = new RegExp(`^\\s+${name}:\\s+(-?[0-9.eE+-]+) ±`, "m").exec(stdout);
  if (!match) throw new Error(`no ${name} in the report:\n${stdout}`);
  return Number(match[1]);
}

describe("hpcfit fit examples/curve.ts", () => {
  const ref = lineReference();

  it.each(["lm", "amoeba", "newton", "de"])("--fit=%s prints progress and the report of the right fit", async (method) => {
    const run = await hpcfit("fit", CURVE, `--fit=${method}`, "--seed=2");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    // stdout is a pipe here: plain progress lines, then the report
    expect(run.stdout).toMatch(new RegExp(`^fit ${method}: step \\d+`, "m"));
    expect(run.stdout).toMatch(new RegExp(`^fit ${method}: \\d+ steps, chisq 1\\.7553\\d \\(done\\)`, "m"));
    expect(run.stdout).toMatch(new RegExp(`# fitting method\\s+= ${method}`));
    expect(run.stdout).toMatch(/converged\s+= yes/);
    expect(reported(run.stdout, "m")).toBeCloseTo(ref.m, 3);
    expect(reported(run.stdout, "b")).toBeCloseTo(ref.b, 3);
    const chisq = Number(/chi-square \/ dof\s+= ([0-9.]+)/.exec(run.stdout)?.[1]);
    expect(chisq).toBeCloseTo(ref.chisq, 5);
  });

  it("--store writes <name>.par at full precision and <name>.json with the result", async () => {
    const store = join(tempDir(), "results");
    const run = await hpcfit("fit", CURVE, "--fit=newton", "--store", store, "--xtol=1e-12", "--ftol=1e-14");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`stored ${join(store, "curve.par")}, ${join(store, "curve.json")}`);
    const par = readFileSync(join(store, "curve.par"), "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(" "));
    expect(par.map((p) => p[0])).toEqual(["m", "b"]);
    const m = Number(par[0][1]);
    const b = Number(par[1][1]);
    expect(m).toBeCloseTo(ref.m, 6);
    expect(b).toBeCloseTo(ref.b, 6);
    expect(par[0][1].replace(/^-?0\./, "").length).toBeGreaterThan(10); // full precision, not the report's rounding
    const json = JSON.parse(readFileSync(join(store, "curve.json"), "utf8")) as Record<string, unknown>;
    expect(JSON.stringify(json)).toContain("newton");
    expect(JSON.stringify(json)).toContain(String(m));
  });

  it("--store DIR --arviz also writes <name>.zarr, which loadResult reads as the same result; it needs a store and a sampler", async () => {
    const store = join(tempDir(), "results");
    const run = await hpcfit(
      "fit",
      CURVE,
      "--fit=dream",
      "--samples=2000",
      "--burn=100",
      "--seed=2",
      "--store",
      store,
      "--arviz",
    );
    expect(run.stdout).toContain(join(store, "curve.zarr"));
    const fromJson = await loadResult(store, "curve");
    const fromZarr = await loadResult(join(store, "curve.zarr"));
    expect(fromZarr[DISPLAY]()).toEqual(fromJson[DISPLAY]());
    for (const [args, message] of [
      [["--fit=dream", "--arviz"], /--arviz writes into the store: give --store DIR too/],
      [
        ["--fit=lm", "--store", join(store, "lm"), "--arviz"],
        /--arviz exports posterior draws, which lm does not make: use --fit=dream or --fit=smc/,
      ],
      [["--store", join(store, "lm"), "--arviz"], /which the default method does not make/],
    ] as const) {
      const refused = await hpcfit("fit", CURVE, ...args);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(message);
    }
    expect(existsSync(join(store, "lm"))).toBe(false);
  });

  it("--steps bounds the run; the report says it did not converge and the exit status too", async () => {
    const run = await hpcfit("fit", CURVE, "--fit=amoeba", "--steps=3");
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/converged\s+= no/);
    expect(run.stdout).toMatch(/step limit \(3\)/);
    expect(run.stderr).toContain("the fit did not converge");
    const allowed = await hpcfit("fit", CURVE, "--fit=amoeba", "--steps=3", "--allow-unconverged");
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toBe("");
  });

  it("an unconverged DREAM run exits 3, and its progress shows generations of the total, draws, evaluations per second and time left", async () => {
    const run = await hpcfit("fit", CURVE, "--fit=dream", "--samples=200", "--burn=5", "--seed=1");
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/converged\s+= no/);
    // 2 parameters × pop 10 = 20 chains; 200 draws = 10 generations after 5 of burn-in.
    // 20 chains: every generation evaluates 20 points, counted from the start's initial population on.
    const line =
      /^fit dream: generation (\d+)\/15, \d+ draws, chisq [0-9.e+-]+, (\d+) evaluations \([0-9.]+\/s\)(, ETA \d+ s)?$/m.exec(
        run.stdout,
      );
    expect(line, run.stdout).not.toBeNull();
    expect(Number(line![2])).toBeGreaterThanOrEqual(20 * Number(line![1]));
    expect(run.stdout).toMatch(/^fit dream: 15 generations, chisq [0-9.]+ \(done\)$/m);
  });

  it("--until samples past the planned draws until the targets are met; progress has no planned total then", async () => {
    const run = await hpcfit("fit", CURVE, "--fit=dream", "--samples=200", "--burn=5", "--seed=1", "--until", "ess=600");
    expect(run.stdout).toMatch(/^until ESS >= 600: met after [2-9]\d* checks/m);
    expect(run.stdout).not.toMatch(/^fit dream: generation \d+\/15/m);
    expect(run.stdout).toMatch(/^fit dream: \d+ steps, chisq [0-9.]+ \(done\)$/m);
  });

  it("--starts runs several starts and keeps the best", async () => {
    const run = await hpcfit("fit", CURVE, "--fit=newton", "--starts=3", "--seed=5");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^fit newton start 1\/3: step/m);
    expect(reported(run.stdout, "m")).toBeCloseTo(ref.m, 3);
  });

  it("--particles and --moves reach SMC", async () => {
    const run = await hpcfit("fit", CURVE, "--fit=smc", "--particles=300", "--moves=2", "--seed=1");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^smc: 300 chains/m);
    expect(reported(run.stdout, "m")).toBeCloseTo(ref.m, 1);
  });
});

describe("hpcfit fit --data FILE", () => {
  const LINE_DATA = join(ROOT, "examples", "line-data.ts");
  const LINE_DAT = join(ROOT, "examples", "line.dat");
  const ref = lineReference();

  it("a model that exports a function of the data fits the data file given", async () => {
    const run = await hpcfit("fit", LINE_DATA, "--data", LINE_DAT, "--fit=lm");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(reported(run.stdout, "m")).toBeCloseTo(ref.m, 3);
    expect(reported(run.stdout, "b")).toBeCloseTo(ref.b, 3);
    expect(Number(/chi-square \/ dof\s+= ([0-9.]+)/.exec(run.stdout)?.[1])).toBeCloseTo(ref.chisq, 5);
  });

  it("without --data such a model says it needs one; a model exporting a problem refuses one", async () => {
    const missing = await hpcfit("fit", LINE_DATA, "--fit=lm");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `hpcfit fit: ${LINE_DATA} exports a function of the data (its default export): give it a data file (hpcfit fit MODEL --data FILE)\n`,
    );
    const extra = await hpcfit("fit", CURVE, "--data", LINE_DAT);
    expect(extra.code).toBe(1);
    expect(extra.stderr).toContain(`${CURVE} exports a fit problem, which takes no data file`);
  });

  it("a malformed data file is named with its line and column", async () => {
    const dat = join(tempDir(), "bad.dat");
    writeFileSync(dat, "x y dy\n1 2 0.1\n2 4,5 0.1\n");
    const run = await hpcfit("fit", LINE_DATA, "--data", dat);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`hpcfit fit: ${dat} line 3, column 2 (y): "4,5" is not a number\n`);
  });
});

describe("hpcfit fit on model files outside the repository", () => {
  it("a model in a temp dir imports hpcfit and a sibling .ts module", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "data.ts"),
      "export const x: number[] = [0, 1, 2, 3, 4];\nexport const y: number[] = [1.0, 2.7, 7.4, 20.1, 54.6];\n",
    );
    writeFileSync(
      join(dir, "growth.ts"),
      [
        'import { Curve, FitProblem } from "hpcfit";',
        'import { x, y } from "./data.js";',
        "interface Growth { rate: number }",
        "const guess: Growth = { rate: 0.5 };",
        "const M = new Curve((t: number, a = 1, k = 0.5) => a * Math.exp(k * t), x, y, undefined, {});",
        "M.k.value = guess.rate;",
        "M.a.range(0, 10);",
        "M.k.range(0, 3);",
        "export const problem = new FitProblem(M);",
        "",
      ].join("\n"),
    );
    const run = await hpcfit("fit", join(dir, "growth.ts"), "--fit=amoeba");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(reported(run.stdout, "k")).toBeCloseTo(1, 1);
    expect(reported(run.stdout, "a")).toBeCloseTo(1, 1);
  });
});

describe("hpcfit fit with bad input", () => {
  const write = (name: string, text: string): string => {
    const file = join(tempDir(), name);
    writeFileSync(file, text);
    return file;
  };

  it("a syntax error names the file, line and column", async () => {
    const file = write("broken.ts", 'import { Curve } from "hpcfit";\nconst a: number = 1;\nlet b = (;\n');
    const run = await hpcfit("fit", file);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(`hpcfit fit: syntax error in ${file}:3:10: Unexpected token\n`);
  });

  it("an error thrown by the model file names the file and line", async () => {
    const file = write("throws.ts", "const n: number = 2;\n\nthrow new Error(`cannot read data (${n} files missing)`);\n");
    const run = await hpcfit("fit", file);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(`^hpcfit fit: ${file}:3:\\d+: error while running the model file: cannot read data \\(2 files missing\\)`),
    );
  });

  it("a file that exports no problem says what it exports", async () => {
    const file = write("empty.ts", "export const x = 1;\nexport function f(): number { return 2; }\n");
    const run = await hpcfit("fit", file);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file} exports no fit problem`);
    expect(run.stderr).toContain("it exports `f`, `x`");
  });

  it("an export that is not a problem says what it is", async () => {
    const file = write("notproblem.ts", "export const problem = { nllf: () => 1 };\n");
    const run = await hpcfit("fit", file);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file}: the export \`problem\` is an object, not a fit problem (it lacks labels()`);
  });

  it("a missing file is named", async () => {
    const file = join(tempDir(), "nowhere.ts");
    const run = await hpcfit("fit", file);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`hpcfit fit: model file ${file} does not exist\n`);
  });

  it("NaN from the model names the file, the data point and the parameter values", async () => {
    const file = write(
      "nan.ts",
      [
        'import { Curve, FitProblem } from "hpcfit";',
        "const M = new Curve((x: number, a = 1) => Math.sqrt(a - x), [1, 2, 3], [1, 1, 1], undefined, {});",
        "M.a.range(0, 10);",
        "export default new FitProblem(M);",
        "",
      ].join("\n"),
    );
    const run = await hpcfit("fit", file, "--fit=amoeba");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^hpcfit fit: ${file}: .*NaN at point 1 with a = 1`));
  });

  it("de on a parameter without bounds names the parameter", async () => {
    const file = write(
      "unbounded.ts",
      [
        'import { Curve, FitProblem } from "hpcfit";',
        "const M = new Curve((x: number, m = 1, b = 0) => m * x + b, [1, 2, 3], [2, 4, 6.1], undefined, {});",
        "M.m.range(0, 4);",
        "M.b.fit();",
        "export const problem = new FitProblem(M);",
        "",
      ].join("\n"),
    );
    const run = await hpcfit("fit", file, "--fit=de");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`hpcfit fit: ${file}: differential evolution (de) needs finite bounds`);
    expect(run.stderr).toContain('"b" has bounds [-Infinity, Infinity]');
  });

  it("an unknown method and a bad number are refused by name", async () => {
    const unknown = await hpcfit("fit", CURVE, "--fit=simplex");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown fit method "simplex"; known methods: .*amoeba.*de.*lm.*newton/);
    const steps = await hpcfit("fit", CURVE, "--steps=ten");
    expect(steps.code).not.toBe(0);
    expect(steps.stderr).toContain('hpcfit fit: option steps must be a positive integer, got "ten"');
    const ftol = await hpcfit("fit", CURVE, "--ftol=-1");
    expect(ftol.code).not.toBe(0);
    expect(ftol.stderr).toContain("hpcfit fit: option ftol must be a non-negative number, got -1");
  });
});
