/**
 * `hpcfit kernel -f CONNECTION_FILE`: runs the Jupyter kernel (what the kernelspec's argv calls):
 * the supervisor, which owns the sockets, and its interpreter process (`cli/kernel-interpreter.ts`),
 * wired to hpcfit's TypeScript interpreter, the default magics and the Jobs panel's feed. The
 * kernel package knows a magic registry and a comm manager, never the magics or the libraries.
 */
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import type { InterpreterFactory } from "../../kernel/main.js";

/**
 * hpcfit's TypeScript interpreter with every default magic and the jobs feed, imported in the
 * background once the interpreter process listens, so that nothing waits for them to load.
 */
export const createTypeScriptInterpreter: InterpreterFactory = async (comms) => {
  const [
    { TypeScriptInterpreter },
    { MagicRegistry },
    { registerDefaultMagics },
    { registerJobsFeed },
    { fitResultFile },
    { handleFitJobRequests },
    { handleNotebookJobRequests, notebookJobInfo },
  ] = await Promise.all([
    import("../../kernel/interpreter/index.js"),
    import("../../kernel/magics/registry.js"),
    import("../../magics/all.js"),
    import("../../jobs/feed/feed.js"),
    import("../../fit-jobs/result-file.js"),
    import("../../fit-jobs/panel-requests.js"),
    import("../../notebooks/panel-requests.js"),
  ]);
  const magics = new MagicRegistry();
  registerDefaultMagics(magics);
  const feed = registerJobsFeed(comms, { resultsOf: fitResultFile, notebookOf: notebookJobInfo });
  handleFitJobRequests(feed);
  handleNotebookJobRequests(feed);
  return new TypeScriptInterpreter({ comms, magics });
};

/** Adds the `kernel` command to `program`. */
export function registerKernelCommand(program: Command): void {
  program
    .command("kernel")
    .description("run the hpcfit Jupyter kernel (started by Jupyter through the kernelspec)")
    .requiredOption("-f, --connection-file <path>", "connection file written by the Jupyter client")
    .action(async (options: { connectionFile: string }) => {
      const { superviseKernel } = await import("../../kernel/supervisor/supervisor.js");
      try {
        await superviseKernel({
          connectionFile: options.connectionFile,
          interpreterScript: fileURLToPath(new URL("../kernel-interpreter.js", import.meta.url)),
        });
      } catch (error) {
        process.stderr.write(`hpcfit kernel: ${(error as Error).message}\n`);
        process.exit(1);
      }
    });
}
