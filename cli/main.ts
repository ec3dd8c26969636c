#!/usr/bin/env node
/**
 * The `hpcfit` command. Each subcommand lives in `cli/commands/<name>.ts` and is loaded only when
 * it is the one asked for, so `hpcfit kernel` starts without loading the fitting engine.
 * To add a command, add one line to {@link COMMANDS}.
 */
// The only module loaded before this one runs: `hpcfit kernel` absorbs SIGINT from its first
// statement on. Everything else is imported after it (an ESM module's static imports are all
// loaded before any of them runs, which under load took long enough for a signal to land).
import "../kernel/startup-sigint.js";
import type { Command } from "commander";

/** A subcommand: its name and how to load the function that registers it with commander. */
export interface CommandEntry {
  name: string;
  load(): Promise<(program: Command) => void>;
}

/** Every subcommand, one line each. */
export const COMMANDS: CommandEntry[] = [
  { name: "kernel", load: () => import("./commands/kernel.js").then((m) => m.registerKernelCommand) },
  { name: "install", load: () => import("./commands/install.js").then((m) => m.registerInstallCommand) },
  { name: "run", load: () => import("./commands/run.js").then((m) => m.registerRunCommand) },
  { name: "sweep", load: () => import("./commands/sweep.js").then((m) => m.registerSweepCommand) },
  { name: "queue", load: () => import("./commands/queue.js").then((m) => m.registerQueueCommand) },
  { name: "fit", load: () => import("./commands/fit.js").then((m) => m.registerFitCommand) },
  { name: "slurm-kernel", load: () => import("./commands/slurm-kernel.js").then((m) => m.registerSlurmKernelCommand) },
  { name: "fit-worker", load: () => import("./commands/fit-worker.js").then((m) => m.registerFitWorkerCommand) },
];

/** Parses `argv` (as in `process.argv`) and runs the command. */
export async function main(argv: string[] = process.argv): Promise<void> {
  const [{ Command }, { packageVersion }] = await Promise.all([import("commander"), import("../util/paths.js")]);
  const program = new Command("hpcfit")
    .description("Fit data with honest uncertainties in Jupyter, and take the fit to a Slurm cluster.")
    .version(packageVersion());
  const asked = argv[2];
  // `-p NAME VALUE` takes two values, which commander cannot parse: run and sweep take them out first.
  if (asked === "run" || asked === "sweep") argv = (await import("./commands/run.js")).extractParameterPairs(argv);
  const chosen = COMMANDS.filter((c) => c.name === asked);
  // Unknown or no command (help, --version): load all, so help lists them and commander names the error.
  for (const entry of chosen.length > 0 ? chosen : COMMANDS) (await entry.load())(program);
  await program.parseAsync(argv);
}

try {
  await main();
} catch (error) {
  // A user error (bad file, bad option, a failed job submission) is one line, never a stack.
  const command = process.argv[2] && !process.argv[2].startsWith("-") ? ` ${process.argv[2]}` : "";
  process.stderr.write(`hpcfit${command}: ${error instanceof Error ? error.message : String(error)}\n`);
  if (process.env.HPCFIT_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
}
