/** `queue work NAME`: worker loops in this process until the queue is done. */
import { Option } from "commander";
import type { QueueVerb } from "../front-door.js";
import { batchOption, dbOption, dirOption, integer, seconds } from "./arguments.js";
import type { BatchSetting } from "../batch-size.js";

/** Adds `work`. */
export const workVerb: QueueVerb = (queue, { io, show, onQueue }) => {
  queue
    .command("work")
    .description("run workers here until the queue is done (inside a batch job: one per allocated core)")
    .argument("<queue>", "queue name")
    .addOption(
      new Option("--workers <n>", "worker loops (default: $SLURM_CPUS_ON_NODE, else 1)").argParser(integer("--workers", 1)),
    )
    .addOption(
      new Option("--lease <seconds>", "lease length; the heartbeat renews it every third")
        .default(60)
        .argParser(seconds("--lease")),
    )
    .addOption(new Option("--poll <seconds>", "how often an idle worker looks for work").default(1).argParser(seconds("--poll")))
    .addOption(new Option("--max-tasks <n>", "stop after this many tasks").argParser(integer("--max-tasks", 1)))
    .addOption(batchOption())
    .option("--keep-alive", "wait for new tasks instead of exiting when the queue is done")
    .option("--verbose", "print a line per finished task")
    .addOption(dirOption())
    .addOption(dbOption())
    .action(
      onQueue(
        async (
          q,
          o: {
            workers?: number;
            lease: number;
            poll: number;
            maxTasks?: number;
            batch: BatchSetting;
            keepAlive?: boolean;
            verbose?: boolean;
            dir?: string;
            db?: string;
          },
        ) => {
          const envCores = Number(process.env.SLURM_CPUS_ON_NODE);
          const workers = o.workers ?? (Number.isInteger(envCores) && envCores > 0 ? envCores : 1);
          const summary = await q.work(undefined, {
            workers,
            leaseSeconds: o.lease,
            pollSeconds: o.poll,
            maxTasks: o.maxTasks,
            batch: o.batch,
            exitWhenDone: !o.keepAlive,
            signal: io.signal,
            onTask: o.verbose
              ? (r) =>
                  io.print(
                    `task ${r.task.id} attempt ${r.task.attempt} ${r.outcome.exitCode === 0 ? "succeeded" : `failed (${r.outcome.error})`} on ${r.worker}` +
                      (r.retrying ? "; it runs again" : "") +
                      (r.recorded ? "" : " [not recorded: lease lost or stopped]"),
                  )
              : undefined,
          });
          show(
            summary,
            `Worker(s) done: ${summary.succeeded} succeeded, ${summary.failed} failed, ${summary.retried} failed attempt(s) retried, ${summary.abandoned} given back.`,
          );
        },
      ),
    );
};
