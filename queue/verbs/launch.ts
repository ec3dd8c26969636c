/** `queue launch NAME N [sbatch options]`: N worker jobs, as one job array, that drain the queue. */
import { Option } from "commander";
import { launchWorkers } from "../launch.js";
import { withQueue, type QueueVerb } from "../front-door.js";
import { batchOption, dbOption, dirOption, integer, seconds } from "./arguments.js";
import type { BatchSetting } from "../batch-size.js";

/** Adds `launch`. */
export const launchVerb: QueueVerb = (queue, { act, show }) => {
  queue
    .command("launch")
    .description("submit N worker jobs (a job array) that drain the queue; other options go to sbatch")
    .argument("<queue>", "queue name")
    .argument("<n>", "number of worker jobs", integer("N", 1))
    .argument("[sbatch...]", "sbatch options, e.g. --partition debug")
    .addOption(
      new Option("--cores-per-worker <c>", "cores each worker (task) gets")
        .default(1)
        .argParser(integer("--cores-per-worker", 1)),
    )
    .option("--workers-per-job <w>", "workers in each job (default 1)")
    .option("--walltime <time>", "time limit of each job (sbatch --time)")
    .addOption(new Option("--lease <seconds>", "lease length the workers use").argParser(seconds("--lease")))
    .addOption(batchOption())
    .addOption(dirOption())
    .addOption(dbOption())
    .allowUnknownOption()
    .action(
      act(
        async (
          name: string,
          n: number,
          sbatch: string[],
          o: {
            coresPerWorker: number;
            workersPerJob?: string;
            walltime?: string;
            lease?: number;
            batch: BatchSetting;
            dir?: string;
            db?: string;
          },
        ) => {
          await withQueue(name, o, async (q) => {
            const workersPerJob = o.workersPerJob === undefined ? 1 : integer("--workers-per-job", 1)(o.workersPerJob);
            const launched = await launchWorkers(q, {
              jobs: n,
              coresPerWorker: o.coresPerWorker,
              workersPerJob,
              walltime: o.walltime,
              leaseSeconds: o.lease,
              batch: o.batch,
              sbatchArgs: sbatch,
              queuesDir: o.dir,
            });
            show(launched, `Submitted ${launched.jobIds.length} worker job(s) for queue ${name}: ${launched.jobIds.join(" ")}`);
          });
        },
      ),
    );
};
