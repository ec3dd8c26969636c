/**
 * `%run_notebook INPUT [OUTPUT] [-p NAME VALUE]... [--sbatch sbatch options]`: runs another
 * notebook headless from a notebook, on this machine (a kernel of its own) or as a batch job.
 */
import { basename, extname, resolve } from "node:path";
import { DISPLAY, type MimeBundle } from "../schema/display.js";
import { parseOptions, showLive, userErrors, words } from "./slurm/magic-support.js";
import { type Magic } from "../kernel/magics/types.js";
import { submitNotebookRun } from "../notebooks/batch.js";
import { takeParameterPairs, yamlFileParameters, yamlParameters } from "../notebooks/parameters.js";
import type { RunFileResult } from "../notebooks/run-file.js";
import { UserError } from "../util/user-error.js";

const USAGE = `%run_notebook INPUT [OUTPUT] [-p NAME VALUE]... [-r NAME VALUE]... [-f params.yaml] [-y YAML]
    [--kernel NAME] [--cwd DIR] [--allow-errors] [--allow-unknown] [--execution-timeout S] [--start-timeout S] [--report-mode]
    [--sbatch sbatch options...]
Runs INPUT headless with the given parameters and writes OUTPUT (default INPUT-output.ipynb).
With --sbatch the run is submitted as a batch job and the job is returned.`;

const OPTIONS = [
  { names: ["-f", "--parameters-file"], value: true, key: "file" },
  { names: ["-y", "--parameters-yaml"], value: true, key: "yaml" },
  { names: ["-k", "--kernel"], value: true, key: "kernel" },
  { names: ["--cwd"], value: true, key: "cwd" },
  { names: ["--allow-errors"], value: false, key: "allowErrors" },
  { names: ["--allow-unknown"], value: false, key: "allowUnknown" },
  { names: ["--execution-timeout"], value: true, key: "executionTimeout" },
  { names: ["--start-timeout"], value: true, key: "startTimeout" },
  { names: ["--report-mode"], value: false, key: "reportMode" },
];

/** A finished local run, as a notebook value: its output path, status and recorded values. */
export class NotebookRun {
  constructor(readonly result: RunFileResult) {}

  /** True when every cell ran without error. */
  get ok(): boolean {
    return this.result.ok;
  }

  /** Where the output notebook was written. */
  get output(): string {
    return this.result.output;
  }

  /** Values the notebook recorded with `record(name, value)`. */
  get records(): Record<string, unknown> {
    return this.result.records;
  }

  /** One line: status, duration, output. */
  toString(): string {
    const f = this.result.failure;
    const status = !this.ok && f ? `failed (${f.ename}: ${f.evalue})` : "completed";
    return `Notebook run ${status} in ${this.result.duration.toFixed(1)} s -> ${this.result.output}`;
  }

  /** Text and HTML summary. */
  [DISPLAY](): MimeBundle {
    const records = Object.entries(this.records)
      .map(([k, v]) => `<tr><td>${k}</td><td>${JSON.stringify(v)}</td></tr>`)
      .join("");
    const colour = this.ok ? "var(--jp-success-color1, green)" : "var(--jp-error-color1, red)";
    return {
      "text/plain": this.toString() + (Object.keys(this.records).length ? `\nrecords: ${JSON.stringify(this.records)}` : ""),
      "text/html": `<div><span style="color:${colour}">${this.ok ? "completed" : "failed"}</span> in ${this.result.duration.toFixed(1)} s: <code>${this.output}</code>${records ? `<table>${records}</table>` : ""}</div>`,
    };
  }
}

function seconds(value: string | true | undefined, option: string): number | undefined {
  if (value === undefined || value === true) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UserError(`%run_notebook: ${option} takes a positive number of seconds, not "${value}"`);
  return n;
}

/** The `%run_notebook` magic. */
export const runNotebookMagic: Magic = {
  name: "run_notebook",
  kind: "line",
  summary: "run a notebook headless with parameters, here or as a batch job (--sbatch)",
  usage: USAGE,
  async run(args, context) {
    let pairs;
    try {
      pairs = takeParameterPairs(words(args));
    } catch (error) {
      if (error instanceof UserError) throw new UserError(`%run_notebook: ${error.message}`);
      throw error;
    }
    const { options, positional } = parseOptions("run_notebook", pairs.rest, OPTIONS);
    if (positional.length === 0 || positional.length > 2) throw new UserError(`%run_notebook needs INPUT [OUTPUT].\n${USAGE}`);
    const [inputArg, outputArg] = positional as [string, string | undefined];
    const input = resolve(inputArg);
    const output = outputArg ? resolve(outputArg) : resolve(`${basename(input, extname(input))}-output.ipynb`);
    try {
      // Loaded when used: running a notebook starts a kernel over ZeroMQ, which the kernel
      // itself need not load.
      const { mergeParameters, runNotebookFile } = await import("../notebooks/run-file.js");
      const parameters = mergeParameters(
        typeof options.file === "string" ? yamlFileParameters(options.file) : {},
        typeof options.yaml === "string" ? yamlParameters(options.yaml, "-y") : {},
        pairs.typed,
        pairs.raw,
      );
      const common = {
        input,
        output,
        parameters,
        kernel: typeof options.kernel === "string" ? options.kernel : undefined,
        cwd: typeof options.cwd === "string" ? options.cwd : undefined,
        allowErrors: options.allowErrors === true,
        allowUnknownParameters: options.allowUnknown === true,
        executionTimeout: seconds(options.executionTimeout, "--execution-timeout"),
        startTimeout: seconds(options.startTimeout, "--start-timeout"),
        reportMode: options.reportMode === true,
      };
      if (pairs.sbatch) {
        const job = await userErrors("run_notebook", () => submitNotebookRun({ ...common, sbatch: pairs.sbatch! }));
        showLive(context, job);
        return job;
      }
      const displayId = `hpcfit-run-${Math.random().toString(36).slice(2, 10)}`;
      context.output.display({ "text/plain": `Running ${inputArg} ...` }, { displayId });
      const result = await runNotebookFile({
        ...common,
        onCell: (progress) => {
          if (progress.phase === "done") return;
          const text =
            progress.phase === "cell"
              ? `code cell ${progress.number} of ${progress.of}`
              : `${progress.ran} of ${progress.of} code cells ran`;
          context.output.display({ "text/plain": `Running ${inputArg}: ${text}` }, { displayId, update: true });
        },
      });
      const run = new NotebookRun(result);
      context.output.display(run[DISPLAY](), { displayId, update: true });
      return run;
    } catch (error) {
      if (error instanceof UserError || error instanceof UserError) throw new UserError(`%run_notebook: ${error.message}`);
      throw error;
    }
  },
};
