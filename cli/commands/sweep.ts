/**
 * `hpcfit sweep INPUT.ipynb --grid steps=1000,5000 --grid method=lm,dream`: one headless run per
 * combination, in parallel up to a limit on this machine or as a job array with `--sbatch`, then
 * a summary (CSV and notebook) of every run. The work is `runSweep` in notebooks/.
 */
import { Command } from "commander";
import cliProgress from "cli-progress";
import { parseGridAxis } from "../../notebooks/sweep.js";
import { runSweep } from "../../notebooks/sweep-run.js";
import { commandLineParameters, parameterPairs } from "./run.js";

interface SweepCliOptions {
  grid: string[];
  parametersFile: string[];
  parametersYaml: string[];
  outputDir?: string;
  parallel?: string;
  kernel?: string;
  allowErrors?: boolean;
  allowUnknown?: boolean;
  executionTimeout?: string;
  wait?: boolean;
  progress: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function positive(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${option} takes a positive number, not "${text}"`);
  return n;
}

/** Adds `hpcfit sweep` to the program. */
export function registerSweepCommand(program: Command): void {
  program
    .command("sweep")
    .description("run a notebook once per combination of parameter values, and summarise the runs")
    .argument("<input>", "input notebook")
    .option("--grid <name=v1,v2,...>", "one axis of the grid (repeat for more)", collect, [])
    .option("-f, --parameters-file <file>", "fixed parameters from a YAML file", collect, [])
    .option("-y, --parameters-yaml <yaml>", "fixed parameters as a YAML string", collect, [])
    .option("-o, --output-dir <dir>", "where the output notebooks and the summary go (default: <input>-sweep/)")
    .option("--parallel <n>", "runs at once (here: default the CPUs available; with --sbatch: the array's % limit)")
    .option("-k, --kernel <name>", "kernelspec to run with")
    .option("--allow-errors", "go on after a failing cell in each run")
    .option("--allow-unknown", "inject parameters the notebook's parameters cell does not declare")
    .option("--execution-timeout <s>", "seconds a cell may run")
    .option("--wait", "with --sbatch: wait for the job array to finish and summarise the results")
    .option("--no-progress", "no progress bar")
    .addHelpText(
      "after",
      "\nFixed parameters: -p NAME VALUE (typed), -r NAME VALUE (string).\n  --sbatch [sbatch options]  run the sweep as a Slurm job array (everything after --sbatch goes to sbatch)\n",
    )
    .action(async (input: string, options: SweepCliOptions) => {
      if (options.grid.length === 0) throw new Error("hpcfit sweep needs at least one --grid NAME=V1,V2,...");
      const bar =
        options.progress && process.stderr.isTTY && !parameterPairs().sbatch
          ? new cliProgress.SingleBar(
              { format: "Sweep {bar} {value}/{total} runs | {duration_formatted}", stream: process.stderr },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      let started = false;
      const result = await runSweep({
        input,
        axes: options.grid.map(parseGridAxis),
        fixed: commandLineParameters(options.parametersFile, options.parametersYaml),
        outputDir: options.outputDir,
        parallel: positive(options.parallel, "--parallel"),
        kernel: options.kernel,
        allowErrors: options.allowErrors,
        allowUnknownParameters: options.allowUnknown,
        executionTimeout: positive(options.executionTimeout, "--execution-timeout"),
        sbatch: parameterPairs().sbatch,
        wait: options.wait,
        onRun: (finished, total, row) => {
          if (bar) {
            if (!started) bar.start(total, 0);
            started = true;
            bar.update(finished);
          } else if (options.progress) {
            process.stderr.write(`Run ${finished}/${total} ${row.status}: ${row.output}\n`);
          }
        },
      });
      bar?.stop();
      if (result.job) process.stdout.write(`Submitted batch job ${result.job.id} (an array of ${result.rows.length} runs)\n`);
      process.stdout.write(`Summary: ${result.summary.csv}\n         ${result.summary.notebook}\n`);
      const failed = result.rows.filter((r) => r.status === "failed").length;
      if (failed > 0) {
        process.stderr.write(`hpcfit sweep: ${failed} of ${result.rows.length} runs failed (see the summary)\n`);
        process.exitCode = 1;
      }
    });
}
