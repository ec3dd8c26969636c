/**
 * The kernel's interpreter process, started (and restarted) by the supervisor that `hpcfit kernel`
 * runs: the protocol layer and hpcfit's TypeScript interpreter with the default magics and the jobs
 * feed. Not a command: it talks to its supervisor over the IPC channel only.
 */
import { runKernel } from "../kernel/main.js";
import { createTypeScriptInterpreter } from "./commands/kernel.js";

try {
  runKernel({ createInterpreter: createTypeScriptInterpreter });
} catch (error) {
  process.stderr.write(`hpcfit kernel: ${(error as Error).message}\n`);
  process.exit(1);
}
