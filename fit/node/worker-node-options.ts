/**
 * The Node options an evaluation worker process (`hpcfit fit-worker`) is started with, by the
 * `%%fit` job script and by `hpcfit fit --parallel` inside a job alike.
 *
 * `--no-memory-reducer`: a few seconds after start-up, once its allocation has gone quiet, V8
 * shrinks a process's heap with full mark-compacts. In a worker that lands in the first seconds
 * of the fit, on every node at about the same time, and each stalls the thread that gathers a
 * round for several milliseconds (two mark-compacts of 4-10 ms per worker in a 2 s DREAM fit;
 * without them DREAM with 32 workers on the 4-node test cluster went from a median efficiency of
 * 0.794 to 0.820). A worker holds its model for the whole job, so it has no memory to give back
 * meanwhile.
 */
export const WORKER_NODE_OPTIONS: readonly string[] = ["--no-memory-reducer"];
