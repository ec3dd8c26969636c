/**
 * `hpcfit fit-worker --endpoint-file FILE --model MODEL.ts [--threads K]`: the evaluation worker
 * of a fit spread over a Slurm allocation on one node (the `%%fit` job script and `hpcfit fit
 * --parallel` start one per node with srun, K being that node's share of the tasks). It connects
 * to the sampler over ZeroMQ and evaluates the points it is sent on its K threads until the
 * sampler says stop.
 */
import { Command } from "commander";
import { runEvaluationWorker } from "../../fit/node/zmq-worker.js";

/** Options of `hpcfit fit-worker`. */
interface FitWorkerCliOptions {
  endpoint?: string;
  endpointFile?: string;
  model: string;
  threads: string;
}

/** Adds `hpcfit fit-worker` to the program. */
export function registerFitWorkerCommand(program: Command): void {
  program
    .command("fit-worker")
    .description("evaluate a spread fit's populations for its sampler (started by %%fit's job script with srun)")
    .requiredOption("--model <file>", "the model file the sampler fits")
    .option("--endpoint <url>", "the sampler's ZeroMQ endpoint, e.g. tcp://node1:5555")
    .option("--endpoint-file <file>", "a file the sampler writes its endpoint into")
    .option("--threads <count>", "evaluation threads, each with the model loaded (the node's share of the tasks)", "1")
    .action(async (options: FitWorkerCliOptions) => {
      try {
        const threads = Number(options.threads);
        if (!/^\d+$/.test(options.threads.trim()) || threads < 1)
          throw new Error(`--threads must be a whole number ≥ 1, not ${JSON.stringify(options.threads)}`);
        await runEvaluationWorker({
          modelFile: options.model,
          endpoint: options.endpoint,
          endpointFile: options.endpointFile,
          threads,
        });
      } catch (e) {
        process.stderr.write(`hpcfit fit-worker: ${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
