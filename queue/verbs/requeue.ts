/**
 * The verbs that put tasks back in line: `retry` (failed tasks), `rerun` (finished ones, running
 * ones too with --force) and `recover` (tasks whose lease expired).
 */
import { withQueue, type QueueVerb } from "../front-door.js";
import { dbOption, dirOption, parseIds } from "./arguments.js";

/** Adds `retry`, `rerun` and `recover`. */
export const requeueVerbs: QueueVerb = (queue, { act, show, onQueue }) => {
  queue
    .command("retry")
    .description("failed tasks (all, or those given) back to pending")
    .argument("<queue>", "queue name")
    .argument("[ids...]", "task ids (default: every failed task)")
    .addOption(dirOption())
    .addOption(dbOption())
    .action(
      act(async (name: string, ids: string[], o: { dir?: string; db?: string }) => {
        await withQueue(name, o, async (q) => {
          const n = await q.retry(ids.length ? parseIds(ids) : undefined);
          show(n, `Requeued ${n} failed task(s).`);
        });
      }),
    );

  queue
    .command("rerun")
    .description("every finished task back to pending (--force: running ones too)")
    .argument("<queue>", "queue name")
    .option("--force", "also requeue running tasks (their current results are discarded)")
    .addOption(dirOption())
    .addOption(dbOption())
    .action(
      onQueue(async (q, o: { force?: boolean; dir?: string; db?: string }) => {
        const running = (await q.status()).counts.RUNNING;
        const n = await q.rerun({ force: o.force });
        const note = running > 0 && !o.force ? ` (${running} running task(s) left alone; --force requeues them too)` : "";
        show(n, `Requeued ${n} task(s)${note}.`);
      }),
    );

  queue
    .command("recover")
    .description("requeue tasks whose lease has expired now (workers also do this themselves)")
    .argument("<queue>", "queue name")
    .addOption(dirOption())
    .addOption(dbOption())
    .action(
      onQueue(async (q) => {
        const n = await q.recover();
        show(n, `Recovered ${n} task(s) with expired leases.`);
      }),
    );
};
