/**
 * One headless run of a notebook file, the library call behind `hpcfit run`, `%run_notebook`
 * and each run of a sweep: read, inject parameters, start the kernel, run, save, shut down.
 */
import { dirname, resolve } from "node:path";
import { exportHtml } from "./html-export.js";
import { startKernel } from "./kernel-connection.js";
import type { KernelSpec } from "./kernelspec.js";
import { readNotebook, writeNotebook } from "./notebook.js";
import { checkParameterNames, expandPathTemplate, type ParameterValues } from "./parameters.js";
import { markFailure, prepareNotebook, runNotebook, type RunOptions, type RunResult } from "./runner.js";
import { nodeName } from "../util/node-name.js";

/** Options of {@link runNotebookFile}. */
export interface RunFileOptions extends Omit<RunOptions, "outputPath"> {
  /** Input notebook path, or "-" for standard input. */
  input: string;
  /** Output path (may use `{name}` templates of parameters), or "-" for standard output. */
  output: string;
  /** Kernelspec name; default: the notebook's own kernelspec, else "hpcfit". */
  kernel?: string;
  /** Working directory of the kernel; default: the input notebook's folder. */
  cwd?: string;
  /** Seconds to wait for the kernel to start (default 60). */
  startTimeout?: number;
  /** Only inject the parameters and write the output; run nothing. */
  prepareOnly?: boolean;
  /** Extra environment for the kernel. */
  env?: NodeJS.ProcessEnv;
  /** Told which kernelspec was started (its name and folder), before the first cell runs. */
  onKernel?: (spec: KernelSpec) => void;
  /** Also write the output as HTML beside it (nbconvert from PATH); a failed conversion is a warning. */
  html?: boolean;
}

/** The result of a file run: the run's result plus where the output went. */
export interface RunFileResult extends RunResult {
  output: string;
}

/** The kernelspec name a notebook asks for in its metadata, if any. */
export function notebookKernelName(metadata: Record<string, unknown>): string | undefined {
  const spec = metadata.kernelspec as { name?: unknown } | undefined;
  return typeof spec?.name === "string" ? spec.name : undefined;
}

/** Runs (or with `prepareOnly`, only prepares) one notebook file. */
export async function runNotebookFile(options: RunFileOptions): Promise<RunFileResult> {
  const nb = readNotebook(options.input);
  checkParameterNames(
    nb,
    options.parameters,
    options.input === "-" ? "the notebook" : options.input,
    options.allowUnknownParameters,
  );
  const output = options.output === "-" ? "-" : resolve(expandPathTemplate(options.output, options.parameters));
  const kernelName = options.kernel ?? notebookKernelName(nb.metadata) ?? "hpcfit";
  const language = kernelName === "hpcfit" ? "typescript" : kernelName.startsWith("python") ? "python" : "typescript";
  if (options.prepareOnly) {
    prepareNotebook(nb, options, language);
    writeNotebook(nb, output);
    return { notebook: nb, ok: true, records: {}, duration: 0, output };
  }
  const cwd = options.cwd ?? (options.input === "-" ? process.cwd() : dirname(resolve(options.input)));
  let kernel;
  try {
    kernel = await startKernel({ kernelName, cwd, startTimeout: options.startTimeout, env: options.env });
  } catch (error) {
    // Reported like a failing cell: the output notebook says what happened, nothing is lost.
    prepareNotebook(nb, options, language);
    const failure = { cellIndex: -1, ename: (error as Error).name, evalue: (error as Error).message, fatal: true };
    markFailure(nb, failure);
    (nb.metadata.hpcfit as Record<string, unknown>).exception = true;
    writeNotebook(nb, output);
    return { notebook: nb, ok: false, records: {}, duration: 0, output, failure };
  }
  try {
    options.onKernel?.(kernel.spec);
    prepareNotebook(nb, options, kernel.language || language);
    // Which installation ran the notebook, for whoever reads the output later.
    (nb.metadata.hpcfit as Record<string, unknown>).kernel = { name: kernel.spec.name, resource_dir: kernel.spec.resourceDir };
    // And where: a sweep spread over a cluster's nodes says which node ran which combination.
    (nb.metadata.hpcfit as Record<string, unknown>).node = nodeName();
    const result = await runNotebook(nb, kernel, { ...options, outputPath: output });
    if (options.html && output !== "-") {
      await kernel.shutdown();
      await exportHtml(output).catch((error: unknown) => options.onWarning?.((error as Error).message));
    }
    return { ...result, output };
  } finally {
    await kernel.shutdown();
  }
}

/** Merges parameter sources in papermill's order: files, then YAML strings, then `-p`, then `-r`. */
export function mergeParameters(...sources: ParameterValues[]): ParameterValues {
  return Object.assign({}, ...sources) as ParameterValues;
}
