/**
 * The kernelspec of a kernel in a Slurm allocation: its argv starts the proxy (not the kernel),
 * which finds its settings (slurm.json, settings.ts) in the kernelspec's own folder.
 */
import type { SlurmKernelSettings } from "./settings.js";

/** The kernelspec's name for `--slurm NAME` (`jupyter console --kernel hpcfit-slurm-NAME`). */
export function slurmKernelName(name: string): string {
  return `hpcfit-slurm-${name.toLowerCase()}`;
}

/**
 * kernel.json's content: node and the built CLI by absolute path. Interrupts go as messages: the
 * proxy passes interrupt_request to the kernel on the node, where no signal of Jupyter's reaches.
 */
export function slurmKernelSpec(settings: SlurmKernelSettings, node: string, cli: string): Record<string, unknown> {
  return {
    argv: [node, cli, "slurm-kernel", "proxy", "-f", "{connection_file}", "--spec", "{resource_dir}"],
    display_name: `HPCFit on Slurm (${settings.name})`,
    language: "typescript",
    interrupt_mode: "message",
    env: {},
    metadata: { debugger: false, hpcfit: { slurm: settings.name } },
  };
}
