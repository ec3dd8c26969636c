/**
 * `hpcfit run` checked against papermill's semantics point by point, with the real hpcfit kernel
 * started from its kernelspec and every output validated by nbformat.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { CLI, nbformatErrors, outputText, readJson, runCli, sourceOf, tempDir, writeTestNotebook } from "./support.js";

const PARAMS_NB: Parameters<typeof writeTestNotebook>[2] = [
  { source: "# A parameterised notebook", type: "markdown" },
  {
    source:
      'let steps = 1000; // number of steps\nconst ratio: number = 0.25;\nconst label = "base";\nlet flag = false;\nconst nothing: string | null = "x";',
    tags: ["parameters"],
  },
  "console.log(JSON.stringify({ steps, ratio, label, flag, nothing, kind: typeof steps }));",
  "steps = steps + 1;\nsteps",
];

describe("hpcfit run", () => {
  test("injects typed parameters right after the parameters cell and records them", async () => {
    const dir = tempDir();
    const input = writeTestNotebook(dir, "params.ipynb", PARAMS_NB);
    const output = join(dir, "out.ipynb");
    const r = await runCli([
      "run",
      input,
      output,
      "-p",
      "steps",
      "5000",
      "-p",
      "ratio",
      "0.5",
      "-p",
      "flag",
      "true",
      "-p",
      "nothing",
      "null",
      "-r",
      "label",
      "42",
      "--no-progress",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const nb = readJson(output);
    expect(nbformatErrors(output)).toBe("");
    expect(nb.cells[1].metadata.tags).toEqual(["parameters"]);
    expect(nb.cells[2].metadata.tags).toEqual(["injected-parameters"]);
    expect(sourceOf(nb.cells[2])).toContain("let steps = 5000;");
    expect(sourceOf(nb.cells[2])).toContain('const label = "42";');
    expect(JSON.parse(outputText(nb.cells[3]))).toEqual({
      steps: 5000,
      ratio: 0.5,
      label: "42",
      flag: true,
      nothing: null,
      kind: "number",
    });
    // `steps` stayed a `let`, so a later cell may reassign it.
    expect(outputText(nb.cells[4])).toBe("5001");
    expect(nb.metadata.hpcfit.parameters).toEqual({ steps: 5000, ratio: 0.5, flag: true, nothing: null, label: "42" });
    expect(nb.cells[3].execution_count).toBeGreaterThan(0);
    expect(nb.cells[3].metadata.hpcfit.status).toBe("completed");
  });

  test("replaces an earlier injected cell, and reads parameters from YAML files and strings", async () => {
    const dir = tempDir();
    const input = writeTestNotebook(dir, "params.ipynb", PARAMS_NB);
    const first = join(dir, "first.ipynb");
    expect((await runCli(["run", input, first, "-p", "steps", "1", "--prepare-only"])).code).toBe(0);
    writeFileSync(join(dir, "p.yaml"), "steps: 7\nlabel: from-file\n");
    const second = join(dir, "second.ipynb");
    const r = await runCli([
      "run",
      first,
      second,
      "-f",
      join(dir, "p.yaml"),
      "-y",
      "ratio: 2.5",
      "-p",
      "label",
      "cli-wins",
      "--no-progress",
    ]);
    expect(r.code).toBe(0);
    const nb = readJson(second);
    expect(nb.cells.filter((c) => c.metadata.tags?.includes("injected-parameters"))).toHaveLength(1);
    expect(JSON.parse(outputText(nb.cells[3]))).toMatchObject({ steps: 7, ratio: 2.5, label: "cli-wins" });
  });

  test("refuses a parameter the notebook does not declare, before starting anything", async () => {
    const dir = tempDir();
    const input = writeTestNotebook(dir, "params.ipynb", PARAMS_NB);
    const output = join(dir, "out.ipynb");
    const typo = await runCli(["run", input, output, "-p", "stpes", "5000", "--no-progress"]);
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toContain('has no parameter "stpes"');
    expect(typo.stderr).toContain("steps, ratio, label, flag, nothing");
    expect(existsSync(output)).toBe(false);
    const plain = writeTestNotebook(dir, "plain.ipynb", ["1"]);
    const none = await runCli(["run", plain, output, "-p", "n", "21", "--no-progress"]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('has no cell tagged "parameters"');
    const allowed = await runCli(["run", input, output, "-p", "extra", "3", "--allow-unknown", "--prepare-only"]);
    expect(allowed.code).toBe(0);
    expect(sourceOf(readJson(output).cells[2])).toContain("const extra = 3;");
  });

  test("without a parameters cell, --allow-unknown puts the values on top, with a warning", async () => {
    const dir = tempDir();
    const input = writeTestNotebook(dir, "plain.ipynb", ["console.log(n * 2)"]);
    const output = join(dir, "out.ipynb");
    const r = await runCli(["run", input, output, "-p", "n", "21", "--allow-unknown", "--no-progress"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: .*no cell tagged "parameters"/);
    const nb = readJson(output);
    expect(nb.cells[0].metadata.tags).toEqual(["injected-parameters"]);
    expect(outputText(nb.cells[1])).toBe("42\n");
  });

  test("a failing cell stops the run, saves the notebook with a banner and exits non-zero", async () => {
    const dir = tempDir();
    const input = writeTestNotebook(dir, "fail.ipynb", [
      "console.log('before')",
      "throw new RangeError('bad value')",
      "console.log('after')",
    ]);
    const output = join(dir, "out.ipynb");
    const r = await runCli(["run", input, output]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("RangeError: bad value");
    // One numbering everywhere: progress counts only cells that started, and the terminal and
    // the banner name the failing cell the same way.
    expect(r.stderr).toMatch(/^Kernel hpcfit \(.*kernels\/hpcfit\)$/m);
    expect(r.stderr.match(/^Executing code cell \d+ of \d+: .*$/gm)).toEqual([
      "Executing code cell 1 of 3: console.log('before')",
      "Executing code cell 2 of 3: throw new RangeError('bad value')",
    ]);
    expect(r.stderr).toMatch(/^code cell 1 of 3 \(In \[1\]\) done in \d+\.\d\d s$/m);
    expect(r.stderr).toMatch(/^code cell 2 of 3 \(In \[2\]\) failed after \d+\.\d\d s$/m);
    expect(r.stderr).toMatch(/^Ran 2 of 3 code cells in \d+\.\d\d s$/m);
    expect(r.stderr).toContain("(code cell 2 of 3 (In [2]))");
    expect(nbformatErrors(output)).toBe("");
    const nb = readJson(output);
    expect(nb.metadata.hpcfit.kernel.name).toBe("hpcfit");
    expect(nb.cells[0].cell_type).toBe("markdown");
    expect(sourceOf(nb.cells[0])).toContain("code cell 2 of 3 (In [2])");
    expect(sourceOf(nb.cells[0])).toContain("RangeError: bad value");
    expect(sourceOf(nb.cells[0])).toContain('href="#hpcfit-error-cell"');
    const anchor = nb.cells.findIndex((c) => sourceOf(c).includes('id="hpcfit-error-cell"'));
    expect(sourceOf(nb.cells[anchor + 1])).toContain("throw new RangeError");
    expect(outputText(nb.cells[1])).toBe("before\n");
    expect(outputText(nb.cells[nb.cells.length - 1])).toBe("");
    expect(nb.metadata.hpcfit.exception).toBe(true);
  });

  test("--allow-errors runs every cell and exits 0", async () => {
    const dir = tempDir();
    const input = writeTestNotebook(dir, "fail.ipynb", ["throw new Error('first')", "console.log('after')"]);
    const output = join(dir, "out.ipynb");
    const r = await runCli(["run", input, output, "--allow-errors", "--no-progress"]);
    expect(r.code).toBe(0);
    const nb = readJson(output);
    expect(outputText(nb.cells[0])).toContain("first");
    expect(outputText(nb.cells[1])).toBe("after\n");
  });

  test("--execution-timeout interrupts a cell and fails the run like an error", async () => {
    const dir = tempDir();
    const input = writeTestNotebook(dir, "slow.ipynb", ["console.log('start')", "while (true) {}", "console.log('never')"]);
    const output = join(dir, "out.ipynb");
    const r = await runCli(["run", input, output, "--execution-timeout", "1", "--no-progress"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("CellTimeoutError");
    const nb = readJson(output);
    expect(sourceOf(nb.cells[0])).toContain("--execution-timeout");
    expect(nbformatErrors(output)).toBe("");
  });

  test("kernel death is reported with the cells run so far kept", async () => {
    const dir = tempDir();
    const input = writeTestNotebook(dir, "die.ipynb", [
      "console.log('kept')",
      // The cell runs in the kernel's interpreter process; its parent is the kernel itself.
      "process.kill(process.ppid, 'SIGKILL')",
      "console.log('never')",
    ]);
    const output = join(dir, "out.ipynb");
    const r = await runCli(["run", input, output, "--no-progress"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/DeadKernelError: the kernel process died \(signal SIGKILL\)/);
    const nb = readJson(output);
    expect(outputText(nb.cells[1])).toBe("kept\n");
    expect(nbformatErrors(output)).toBe("");
  });

  test("a kernel that never answers fails after --start-timeout, with the output saved", async () => {
    const dir = tempDir();
    const spec = join(dir, "jupyter", "kernels", "mute");
    mkdirSync(spec, { recursive: true });
    writeFileSync(
      join(spec, "kernel.json"),
      JSON.stringify({ argv: ["sleep", "60"], display_name: "mute", language: "typescript" }),
    );
    const input = writeTestNotebook(dir, "nb.ipynb", ["1"]);
    const output = join(dir, "out.ipynb");
    const r = await runCli(["run", input, output, "--kernel", "mute", "--start-timeout", "2", "--no-progress"], {
      env: { JUPYTER_PATH: join(dir, "jupyter") },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--start-timeout 2 s");
    expect(sourceOf(readJson(output).cells[0])).toContain("UserError");
  });

  test("a killed run leaves every cell finished before it in the output", async () => {
    const dir = tempDir();
    const input = writeTestNotebook(dir, "long.ipynb", [
      "console.log('first done')",
      "await new Promise((r) => setTimeout(r, 60000))",
    ]);
    const output = join(dir, "out.ipynb");
    const child = spawn(process.execPath, [CLI, "run", input, output, "--no-progress"], { detached: true, stdio: "ignore" });
    // The runner saves the first cell's output, then the second cell marked running: the kill
    // comes once both are on disk, not between the two saves.
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      const saved = existsSync(output) ? readJson(output) : undefined;
      if (saved && outputText(saved.cells[0]) === "first done\n" && saved.cells[1].metadata.hpcfit?.status === "running") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    process.kill(-child.pid!, "SIGKILL");
    const nb = readJson(output);
    expect(outputText(nb.cells[0])).toBe("first done\n");
    expect(nb.cells[1].metadata.hpcfit.status).toBe("running");
    expect(nbformatErrors(output)).toBe("");
  });

  test("--help-notebook lists parameters with types and defaults", async () => {
    const dir = tempDir();
    const input = writeTestNotebook(dir, "params.ipynb", PARAMS_NB);
    const r = await runCli(["run", "--help-notebook", input]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("steps: number (default 1000)  number of steps");
    expect(r.stdout).toContain("ratio: number (default 0.25)");
    expect(r.stdout).toContain('label: string (default "base")');
    expect(r.stdout).toContain("flag: boolean (default false)");
  });

  test("standard input and output, {name} templates, --report-mode and --cwd", async () => {
    const dir = tempDir();
    const input = writeTestNotebook(dir, "params.ipynb", PARAMS_NB);
    const piped = await runCli(["run", "-", "-", "-p", "steps", "3", "--no-progress", "--cwd", dir], {
      input: readFileSync(input, "utf8"),
    });
    expect(piped.code).toBe(0);
    const nb = JSON.parse(piped.stdout) as ReturnType<typeof readJson>;
    expect(JSON.parse(outputText(nb.cells[3])).steps).toBe(3);
    const templated = await runCli([
      "run",
      input,
      join(dir, "out-{steps}-{label}.ipynb"),
      "-p",
      "steps",
      "9",
      "-p",
      "label",
      "base",
      "--report-mode",
      "--no-progress",
    ]);
    expect(templated.code).toBe(0);
    const out = readJson(join(dir, "out-9-base.ipynb"));
    expect(out.cells.every((c) => c.metadata.jupyter?.source_hidden === true)).toBe(true);
    const bad = await runCli(["run", input, join(dir, "out-{missing}.ipynb")]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("{missing}");
  });

  test("bad input gets a clear error and a non-zero exit", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "broken.ipynb"), "{ not json");
    const broken = await runCli(["run", join(dir, "broken.ipynb"), join(dir, "o.ipynb")]);
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toContain("is not valid JSON");
    const input = writeTestNotebook(dir, "nb.ipynb", ["1"]);
    const noKernel = await runCli(["run", input, join(dir, "o.ipynb"), "--kernel", "no-such-kernel", "--no-progress"]);
    expect(noKernel.code).toBe(1);
    expect(noKernel.stderr).toContain('no kernel named "no-such-kernel"');
    const badName = await runCli(["run", input, join(dir, "o.ipynb"), "-p", "not-valid", "1"]);
    expect(badName.code).not.toBe(0);
    expect(badName.stderr).toContain("not a valid identifier");
  });
});
