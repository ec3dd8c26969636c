/**
 * `queue status NAME`: counts per state, rate and time left, once or following the queue while
 * workers run (redrawn in place where the front door can, else a line per change).
 */
import { Option } from "commander";
import type { Queue } from "../queue.js";
import type { QueueStatus } from "../status.js";
import { TASK_STATES } from "../types.js";
import type { QueueFrontDoor, QueueVerb } from "../front-door.js";
import { dbOption, dirOption, seconds } from "./arguments.js";

/** How long `status` keeps following once no task is running (ms). */
const FOLLOW_IDLE_MS = 3000;

async function followStatus(q: Queue, io: QueueFrontDoor, intervalMs: number): Promise<QueueStatus> {
  let status = await q.status();
  const redraw = io.live?.(status);
  if (!redraw) io.print(status.toString());
  let idleSince = status.counts.RUNNING > 0 ? null : Date.now();
  while (status.remaining > 0 && !io.signal?.aborted) {
    if (idleSince !== null && Date.now() - idleSince >= FOLLOW_IDLE_MS) break;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(t);
        io.signal?.removeEventListener("abort", wake);
        resolve();
      };
      const t = setTimeout(wake, intervalMs);
      io.signal?.addEventListener("abort", wake, { once: true });
    });
    const next = await q.status();
    const changed = TASK_STATES.some((s) => next.counts[s] !== status.counts[s]) || next.state !== status.state;
    status = next;
    if (redraw) redraw(status);
    else if (changed) io.print(status.toString());
    idleSince = status.counts.RUNNING > 0 || changed ? null : (idleSince ?? Date.now());
  }
  return status;
}

/** Adds `status`. */
export const statusVerb: QueueVerb = (queue, { io, show, onQueue }) => {
  queue
    .command("status")
    .description("counts per state, rate and time left")
    .argument("<queue>", "queue name")
    .option("--follow", "keep showing the status while workers run")
    .option("--once", "show the status once (the notebook follows by default)")
    .addOption(new Option("--interval <seconds>", "refresh interval when following").default(1).argParser(seconds("--interval")))
    .addOption(dirOption())
    .addOption(dbOption())
    .action(
      onQueue(async (q, o: { follow?: boolean; once?: boolean; interval: number; dir?: string; db?: string }) => {
        const follow = o.follow ?? (!o.once && io.followsByDefault);
        if (!follow) {
          const status = await q.status();
          show(status, status.toString());
          return;
        }
        await followStatus(q, io, o.interval * 1000);
      }),
    );
};
