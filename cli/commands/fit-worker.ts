/**
 * `hpcfit fit-worker --endpoint-file FILE --model MODEL.ts`: one evaluation worker of a fit spread
 * over a Slurm allocation (the `%%fit` job script starts one per task with srun). It connects to
 * the sampler over ZeroMQ and evaluates the points it is sent until the sampler says stop.
 */
import { Command } from "commander";
import { runEvaluationWorker } from "../../fit/node/zmq-worker.js";

/** Options of `hpcfit fit-worker`. */
interface FitWorkerCliOptions {
  endpoint?: string;
  endpointFile?: string;
  model: string;
}

/** Adds `hpcfit fit-worker` to the program. */
export function registerFitWorkerCommand(program: Command): void {
  program
    .command("fit-worker")
    .description("evaluate a spread fit's populations for its sampler (started by %%fit's job script with srun)")
    .requiredOption("--model <file>", "the model file the sampler fits")
    .option("--endpoint <url>", "the sampler's ZeroMQ endpoint, e.g. tcp://node1:5555")
    .option("--endpoint-file <file>", "a file the sampler writes its endpoint into")
    .action(async (options: FitWorkerCliOptions) => {
      try {
        await runEvaluationWorker({ modelFile: options.model, endpoint: options.endpoint, endpointFile: options.endpointFile });
      } catch (e) {
        process.stderr.write(`hpcfit fit-worker: ${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
