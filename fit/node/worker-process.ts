/**
 * How an evaluation worker's Node process is started, shared by every launcher (the `%%fit` job
 * script and `hpcfit fit --parallel` inside a job).
 */

/**
 * Node flags of an evaluation worker process. `--single-threaded`: V8 runs its compiler and
 * garbage collector on the main thread instead of a pool of helper threads. A worker is one
 * Slurm task holding one CPU, so helper threads only compete with the model for that CPU; and
 * when many workers share a node's CPUs, every helper thread woken at the end of a population
 * delays some worker's reply. On the shared 2-CPU test machine, four paired runs of DREAM with 32
 * and 64 workers had generations 3 to 15% shorter with it, a gain of the order of that machine's
 * noise; memory per worker did not change measurably.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ["--single-threaded"];
