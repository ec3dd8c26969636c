/**
 * Every notebook in examples/ runs headless with `hpcfit run`, so no example can rot; no notebook
 * or model file there types its data in. They run in a
 * copy of the folder (their files stay clean), with the local jobs backend wherever jobs are
 * involved and a private data directory for job records and history.
 */
import { cpSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ROOT, nbformatErrors, readJson, runCli, tempDir } from "./support.js";

const EXAMPLES = join(ROOT, "examples");
const notebooks = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith(".ipynb"))
  .sort();
const models = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith(".ts"))
  .sort();

describe("examples run headless", () => {
  test("there are example notebooks", () => {
    expect(notebooks).toContain("curve-fit.ipynb");
    expect(notebooks).toContain("scaling-study.ipynb");
    expect(models).toContain("curve.ts");
  });

  // Measurements belong in data files (readData), as a user's own would be: a code cell, or a
  // model file, with a literal list of four or more numbers is data typed in.
  const inline = /\[\s*-?\d[\d.eE+-]*(?:\s*,\s*-?\d[\d.eE+-]*){3,}\s*\]/;
  test.each(notebooks)("%s reads its data from a file, not from inline arrays", (name) => {
    const cells = readJson(join(EXAMPLES, name)).cells.filter((c) => c.cell_type === "code");
    const sources = cells.map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));
    expect(sources.filter((s) => inline.test(s))).toEqual([]);
  });

  test.each(models)("the model file %s reads its data from a file, not from inline arrays", (name) => {
    const text = readFileSync(join(EXAMPLES, name), "utf8");
    expect(text.match(new RegExp(inline.source, "g")) ?? []).toEqual([]);
  });

  test.each(notebooks)('%s declares its parameters in a cell tagged "parameters"', (name) => {
    const cells = readJson(join(EXAMPLES, name)).cells;
    expect(cells.some((c) => c.metadata.tags?.includes("parameters"))).toBe(true);
  });

  test.each(notebooks)("%s", async (name) => {
    const dir = tempDir("hpcfit-examples-");
    cpSync(EXAMPLES, dir, { recursive: true });
    const output = join(dir, `${name.replace(/\.ipynb$/, "")}-output.ipynb`);
    const r = await runCli(["run", join(dir, name), output, "--no-progress"], {
      cwd: dir,
      env: { HPCFIT_JOBS_BACKEND: "local", HPCFIT_DATA_DIR: join(dir, ".hpcfit-data") },
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(nbformatErrors(output)).toBe("");
    const outputs = readJson(output).cells.flatMap((c) => c.outputs ?? []);
    expect(outputs.filter((o) => o.output_type === "error")).toEqual([]);
    // An example teaches what a good run looks like: with its defaults, every fit converges.
    const text = outputs.map((o) => JSON.stringify(o.text ?? o.data?.["text/plain"] ?? "")).join("\n");
    expect(text).not.toMatch(/not converged|WARNING/);
  });
});
