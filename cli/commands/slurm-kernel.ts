/**
 * `hpcfit slurm-kernel proxy|node|agent`: the three programs of a kernel that runs in a Slurm
 * allocation (remote-kernel/). A "HPCFit on Slurm" kernelspec starts `proxy` where Jupyter runs;
 * the allocation's batch script runs `agent`; the proxy starts `node` on the allocation's first
 * node with srun, which runs the kernel there.
 */
import { fileURLToPath } from "node:url";
import type { Command } from "commander";

const CLI = fileURLToPath(new URL("../main.js", import.meta.url));

function failed(what: string, error: unknown): never {
  process.stderr.write(`hpcfit slurm-kernel ${what}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

/** Adds the `slurm-kernel` command to `program`. */
export function registerSlurmKernelCommand(program: Command): void {
  const command = program.command("slurm-kernel").description("the parts of a kernel that runs in a Slurm allocation");
  command
    .command("proxy")
    .description("forward Jupyter's connection to a kernel in a Slurm allocation (what the kernelspec runs)")
    .requiredOption("-f, --connection-file <path>", "connection file written by the Jupyter client")
    .requiredOption("--spec <dir>", "the kernelspec's folder (holding slurm.json)")
    .action(async (options: { connectionFile: string; spec: string }) => {
      const { startProxy } = await import("../../remote-kernel/proxy.js");
      const log = (line: string): void => void process.stderr.write(`[hpcfit slurm proxy] ${line}\n`);
      try {
        const proxy = startProxy({ connectionFile: options.connectionFile, specDir: options.spec, cli: CLI, log });
        process.on("SIGINT", () => proxy.interrupt());
        process.on("SIGTERM", () => proxy.terminate());
        process.exit(await proxy.finished);
      } catch (error) {
        failed("proxy", error);
      }
    });
  command
    .command("node")
    .description("run the kernel on an allocation's node (started by the proxy through srun)")
    .requiredOption("--dir <dir>", "the kernel's folder")
    .requiredOption("--launch <id>", "this start's id")
    .requiredOption("--ip <address>", "the node's address, where the kernel binds")
    .action(async (options: { dir: string; launch: string; ip: string }) => {
      const [{ prepareNodeKernel, reportNodeKernel }, { superviseKernel }] = await Promise.all([
        import("../../remote-kernel/node-kernel.js"),
        import("../../kernel/supervisor/supervisor.js"),
      ]);
      try {
        const start = await prepareNodeKernel(options.dir, options.launch, options.ip);
        await superviseKernel({
          connectionFile: start.connectionFile,
          interpreterScript: fileURLToPath(new URL("../kernel-interpreter.js", import.meta.url)),
        });
        reportNodeKernel(start);
      } catch (error) {
        failed("node", error);
      }
    });
  command
    .command("agent")
    .description("hold a Slurm kernel's allocation while its proxy renews the lease (the batch job's script)")
    .requiredOption("--dir <dir>", "the kernel's folder")
    .requiredOption("--lease <seconds>", "seconds without a renewal after which the allocation ends")
    .action(async (options: { dir: string; lease: string }) => {
      const { runAgent } = await import("../../remote-kernel/agent.js");
      const leaseSeconds = Number(options.lease);
      if (!Number.isFinite(leaseSeconds) || leaseSeconds <= 0)
        failed("agent", new Error(`--lease must be seconds > 0, not ${options.lease}`));
      await runAgent({
        dir: options.dir,
        leaseSeconds,
        log: (line) => void process.stdout.write(`[hpcfit slurm agent] ${line}\n`),
      });
    });
}
