/**
 * `hpcfit run INPUT.ipynb [OUTPUT.ipynb]`: runs a notebook headless with papermill's conventions
 * (see notebooks/). `hpcfit run --help-notebook INPUT.ipynb` lists its parameters.
 */
import { Command } from "commander";
import cliProgress from "cli-progress";
import { basename, extname } from "node:path";
import {
  declaredParameters,
  findTagged,
  takeParameterPairs,
  yamlFileParameters,
  yamlParameters,
  type ParameterPairs,
  type ParameterValues,
} from "../../notebooks/parameters.js";
import { readNotebook, joinSource, type NotebookOutput } from "../../notebooks/notebook.js";
import { mergeParameters, runNotebookFile } from "../../notebooks/run-file.js";
import { describeCell, type CellProgress } from "../../notebooks/runner.js";
import { submitNotebookRun } from "../../notebooks/batch.js";
import { parametersLine, progressLine } from "../../notebooks/run-log.js";

let pairs: ParameterPairs = { rest: [], typed: {}, raw: {} };

/**
 * Call on the process's argv before commander parses it: takes out the `-p`/`-r` pairs of
 * `hpcfit run` and `hpcfit sweep` and returns the rest.
 */
export function extractParameterPairs(argv: string[]): string[] {
  const command = argv[2];
  if (command !== "run" && command !== "sweep") return argv;
  pairs = takeParameterPairs(argv.slice(3));
  return [...argv.slice(0, 3), ...pairs.rest];
}

/** The `-p`/`-r` values and the `--sbatch` tail taken out by {@link extractParameterPairs}. */
export function parameterPairs(): ParameterPairs {
  return pairs;
}

/** Merges `-f`, `-y`, `-p` and `-r` in papermill's order (later wins). */
export function commandLineParameters(files: string[], yamls: string[]): ParameterValues {
  return mergeParameters(...files.map(yamlFileParameters), ...yamls.map((y) => yamlParameters(y, "-y")), pairs.typed, pairs.raw);
}

/** Options of `hpcfit run` as commander parses them. */
interface RunCliOptions {
  parametersFile: string[];
  parametersYaml: string[];
  kernel?: string;
  cwd?: string;
  allowErrors?: boolean;
  allowUnknown?: boolean;
  startTimeout: string;
  executionTimeout?: string;
  progress: boolean;
  logOutput?: boolean;
  prepareOnly?: boolean;
  reportMode?: boolean;
  helpNotebook?: boolean;
  html?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function seconds(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${option} takes a positive number of seconds, not "${text}"`);
  return n;
}

/** Prints a notebook's parameters (from its `parameters` cell) with defaults and types. */
function helpNotebook(input: string): void {
  const nb = readNotebook(input);
  const at = findTagged(nb, "parameters");
  if (at < 0) {
    process.stdout.write(`${input} has no cell tagged "parameters"; values given with -p are injected at the top.\n`);
    return;
  }
  const params = declaredParameters(nb.cells[at]);
  process.stdout.write(`Parameters of ${input}:\n`);
  if (params.length === 0) process.stdout.write(`  (the parameters cell declares none)\n${joinSource(nb.cells[at].source)}\n`);
  for (const p of params) {
    process.stdout.write(`  ${p.name}: ${p.type} (default ${p.defaultValue})${p.help ? `  ${p.help}` : ""}\n`);
  }
}

function describeOutput(output: NotebookOutput): string {
  if (output.output_type === "stream") return String(output.text);
  if (output.output_type === "error") return `${String(output.ename)}: ${String(output.evalue)}\n`;
  const data = output.data as Record<string, unknown> | undefined;
  const text = data?.["text/plain"];
  if (text === undefined) return "";
  return `${Array.isArray(text) ? text.join("") : typeof text === "string" ? text : JSON.stringify(text)}\n`;
}

/** Adds `hpcfit run` to the program. */
export function registerRunCommand(program: Command): void {
  program
    .command("run")
    .description("run a notebook headless, with parameters (papermill's conventions)")
    .argument("<input>", "input notebook, or - for standard input")
    .argument("[output]", "output notebook (may use {name} templates of parameters), or - for standard output")
    .addHelpText(
      "after",
      "\nParameters:\n  -p, --parameters NAME VALUE      a parameter, typed: numbers, true/false, null, else a string\n  -r, --parameters-raw NAME VALUE  a parameter kept as a string\n",
    )
    .option("-f, --parameters-file <file>", "parameters from a YAML file", collect, [])
    .option("-y, --parameters-yaml <yaml>", "parameters as a YAML string", collect, [])
    .option("-k, --kernel <name>", "kernelspec to run with (default: the notebook's, else hpcfit)")
    .option("--cwd <dir>", "working directory of the kernel (default: the input's folder)")
    .option("--allow-errors", "go on after a failing cell")
    .option("--allow-unknown", "inject parameters the notebook's parameters cell does not declare")
    .option("--start-timeout <s>", "seconds to wait for the kernel to start", "60")
    .option("--execution-timeout <s>", "seconds a cell may run before the run fails")
    .option("--no-progress", "no progress bar")
    .option("--log-output", "stream cell outputs to the terminal")
    .option("--prepare-only", "inject the parameters and write the output without running")
    .option("--report-mode", "hide the inputs in the output notebook")
    .option("--html", "also write the output as HTML beside it (jupyter nbconvert from PATH)")
    .option("--help-notebook", "list the notebook's parameters and exit")
    .addHelpText(
      "after",
      "  --sbatch [sbatch options]        submit the run as a batch job (everything after --sbatch goes to sbatch)\n",
    )
    .action(async (input: string, outputArg: string | undefined, options: RunCliOptions) => {
      if (options.helpNotebook) {
        helpNotebook(input);
        return;
      }
      const parameters = commandLineParameters(options.parametersFile, options.parametersYaml);
      const output = outputArg ?? (input === "-" ? "-" : `${basename(input, extname(input))}-output.ipynb`);
      // What a run here and a run as a batch job share.
      const run = {
        input,
        output,
        parameters,
        kernel: options.kernel,
        cwd: options.cwd,
        allowErrors: options.allowErrors,
        allowUnknownParameters: options.allowUnknown,
        startTimeout: seconds(options.startTimeout, "--start-timeout"),
        executionTimeout: seconds(options.executionTimeout, "--execution-timeout"),
        reportMode: options.reportMode,
        html: options.html,
      };
      if (pairs.sbatch) {
        if (input === "-" || output === "-")
          throw new Error("--sbatch needs file paths for the input and output notebooks, not -");
        const job = await submitNotebookRun({ ...run, sbatch: pairs.sbatch });
        process.stdout.write(`Submitted batch job ${job.id}\n`);
        return;
      }
      const interactive = process.stderr.isTTY && options.progress;
      let bar: cliProgress.SingleBar | undefined;
      let ended: CellProgress | undefined;
      const result = await runNotebookFile({
        ...run,
        prepareOnly: options.prepareOnly,
        onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
        onKernel: (spec) => {
          if (!options.progress) return;
          process.stderr.write(`Kernel ${spec.name} (${spec.resourceDir})\n`);
          const given = parametersLine(parameters);
          if (given !== null) process.stderr.write(`${given}\n`);
        },
        onCell: (progress) => {
          if (!options.progress) return;
          if (progress.phase === "end") ended = progress;
          if (interactive) {
            bar ??= new cliProgress.SingleBar(
              { format: "Executing {bar} {value}/{total} code cells | {duration_formatted}", stream: process.stderr },
              cliProgress.Presets.shades_classic,
            );
            if (progress.phase === "cell" && progress.number === 1) bar.start(progress.of, 0);
            bar.update(
              progress.phase === "cell" ? progress.number - 1 : progress.phase === "done" ? progress.number : progress.ran,
            );
          } else if (progress.phase !== "end") {
            // A log file (a batch job's): each cell as it starts and ends, with its time.
            process.stderr.write(`${progressLine(progress)}\n`);
          }
        },
        onOutput: options.logOutput ? (out) => process.stderr.write(describeOutput(out)) : undefined,
      });
      bar?.stop();
      if (ended !== undefined && !interactive) process.stderr.write(`${progressLine(ended, result.duration)}\n`);
      if (!result.ok && result.failure) {
        const where = result.failure.codeCell ? ` (${describeCell(result.failure.codeCell)})` : "";
        process.stderr.write(
          `hpcfit run: ${result.failure.ename}: ${result.failure.evalue}${where}\nOutput saved to ${result.output}\n`,
        );
        process.exitCode = 1;
      } else if (result.output !== "-" && options.progress) {
        process.stderr.write(`Output saved to ${result.output}\n`);
      }
    });
}
