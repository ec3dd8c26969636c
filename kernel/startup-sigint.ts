/**
 * Imported first by the `hpcfit` command (before commander, before anything else loads): when
 * the command is `hpcfit kernel` or `hpcfit slurm-kernel` (the proxy interrupts through its kernel), SIGINT is absorbed from the first JavaScript the process runs.
 * Jupyter may interrupt a kernel as soon as its process exists, and until a listener is added,
 * Node ends the process on SIGINT. The kernel adds its own listener later (`main.ts`), which does
 * the interrupting; this one only keeps the early signals from killing the process, and stays.
 *
 * What remains unprotected is Node's own start-up, before any JavaScript runs (Node resets
 * every signal's disposition there, so nothing inherited can cover it either).
 */
if (process.argv[2] === "kernel" || process.argv[2] === "slurm-kernel") process.on("SIGINT", () => undefined);

export {};
