/**
 * The first module the `hpcfit` command runs (`cli/main.ts` imports nothing else statically):
 * when the command is `hpcfit kernel` or `hpcfit slurm-kernel` (the proxy interrupts through its kernel), SIGINT is absorbed from the first JavaScript statement on.
 * Jupyter may interrupt a kernel as soon as its process exists, and until a listener is added,
 * Node ends the process on SIGINT. The supervisor adds its own listener later, which passes
 * interrupts on to the interpreter process; this one only keeps early signals from killing the
 * process, and stays.
 *
 * The process then takes the title `hpcfit kernel -f FILE` (what `ps` shows, and the kernel's
 * name in /proc/PID/comm): that tells the supervisor from its interpreter process, and marks the
 * moment from which SIGINT is harmless. What remains unprotected is Node's own start-up, before
 * any JavaScript runs: Node resets every signal's disposition there and unblocks SIGINT, so
 * nothing inherited can cover it.
 */
if (process.argv[2] === "slurm-kernel") process.on("SIGINT", () => undefined);
if (process.argv[2] === "kernel") {
  process.on("SIGINT", () => undefined);
  process.title = ["hpcfit", ...process.argv.slice(2)].join(" ");
}

export {};
