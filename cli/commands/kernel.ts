/**
 * `hpcfit kernel -f CONNECTION_FILE`: runs the Jupyter kernel (what the kernelspec's argv calls).
 */
import type { Command } from "commander";

/** Adds the `kernel` command to `program`. */
export function registerKernelCommand(program: Command): void {
  program
    .command("kernel")
    .description("run the hpcfit Jupyter kernel (started by Jupyter through the kernelspec)")
    .requiredOption("-f, --connection-file <path>", "connection file written by the Jupyter client")
    .action(async (options: { connectionFile: string }) => {
      const { runKernel } = await import("../../kernel/main.js");
      try {
        await runKernel({ connectionFile: options.connectionFile });
      } catch (error) {
        process.stderr.write(`hpcfit kernel: ${(error as Error).message}\n`);
        process.exit(1);
      }
    });
}
