/**
 * `hpcfit kernel -f CONNECTION_FILE`: runs the Jupyter kernel (what the kernelspec's argv calls),
 * wired to hpcfit's TypeScript interpreter, the default magics and the Jobs panel's feed. The
 * kernel package knows a magic registry and a comm manager, never the magics or the libraries.
 */
import type { Command } from "commander";
import type { InterpreterFactory } from "../../kernel/main.js";

/**
 * hpcfit's TypeScript interpreter with every default magic and the jobs feed, imported only when
 * first needed so that the sockets and the first kernel_info_reply do not wait for them to load.
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
      const { runKernel } = await import("../../kernel/main.js");
      try {
        await runKernel({ connectionFile: options.connectionFile, createInterpreter: createTypeScriptInterpreter });
      } catch (error) {
        process.stderr.write(`hpcfit kernel: ${(error as Error).message}\n`);
        process.exit(1);
      }
    });
}
