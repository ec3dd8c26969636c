/**
 * The queue's verbs (`create`, `list`, `status`, `add`, `load`, `tasks`, `retry`, `rerun`,
 * `recover`, `pause`, `resume`, `delete`, `launch`, `work`) defined once with commander and used
 * by both front doors: `hpcfit queue ...` on the command line and `%queue ...` in a notebook.
 * Each front door supplies a {@link QueueFrontDoor} that decides where text and values go.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { launchWorkers } from "./launch.js";
import { connect, create, list, remove, type Queue } from "./queue.js";
import { QueueStatus } from "./status.js";
import { formatTaskTable, taskTable } from "./task-table.js";
import { TASK_STATES, type TaskInput, type TaskParams, type TaskState } from "./types.js";
import { UserError } from "../util/user-error.js";

/** Where a verb's output goes. */
export interface QueueFrontDoor {
  /** A line of text for the user (CLI: stdout; notebook: the cell's stdout). */
  print(text: string): void;
  /** The verb's value (the magic returns it; the CLI ignores it, having printed it). */
  result(value: unknown): void;
  /** Whether values are printed as text too (CLI) or displayed from the result (notebook). */
  readonly printsValues: boolean;
  /**
   * Shows a status that is then redrawn in place; returns the function that redraws it. When
   * absent, `status --follow` prints a line per change.
   */
  live?(status: QueueStatus): (status: QueueStatus) => void;
  /** Whether `status` follows a running queue unless `--once` (notebook) or only with `--follow` (CLI). */
  readonly followsByDefault: boolean;
  /** Stops long verbs (`status --follow`, `work`). */
  readonly signal?: AbortSignal;
  /** Reports a user error (bad input, unknown queue, a scheduler's refusal); absent: errors reject. */
  fail?(error: Error): void;
  /** Reads a file of tasks; `-` is standard input where there is one. */
  readText(path: string): Promise<string>;
}

/** Errors that are the user's to fix: queue errors and the jobs layer's (sbatch refusing, ...). */
export function isUserError(e: unknown): e is Error {
  return e instanceof UserError || (e instanceof Error && e.name === "UserError");
}

function integer(what: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${what} must be a whole number >= ${min}, got ${JSON.stringify(value)}.`);
    return n;
  };
}

function seconds(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number of seconds, got ${JSON.stringify(value)}.`);
    return n;
  };
}

function parseStates(value: string): TaskState[] {
  return value.split(",").map((s) => {
    const state = s.trim().toUpperCase() as TaskState;
    if (!TASK_STATES.includes(state)) throw new UserError(`Unknown task state ${JSON.stringify(s)}; states are ${TASK_STATES.join(", ")}.`);
    return state;
  });
}

function parseIds(values: string[]): number[] {
  return values
    .flatMap((v) => v.split(","))
    .filter((v) => v.trim() !== "")
    .map((v) => {
      const n = Number(v);
      if (!/^\d+$/.test(v.trim()) || n < 1) throw new UserError(`${JSON.stringify(v)} is not a task id.`);
      return n;
    });
}

/** `--requires 3,7,prep`: numbers are ids, other words are task keys. */
function parseRequires(value: string): Array<number | string> {
  return value
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "")
    .map((v) => (/^\d+$/.test(v) ? Number(v) : v));
}

function parseParams(value: string): TaskParams {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (e) {
    throw new UserError(`--params is not valid JSON: ${(e as Error).message}.`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new UserError("--params must be a JSON object.");
  return parsed as TaskParams;
}

async function withQueue<T>(name: string, dir: string | undefined, fn: (q: Queue) => Promise<T>): Promise<T> {
  const q = await connect(name, { dir });
  try {
    return await fn(q);
  } finally {
    q.close();
  }
}

const dirOption = () => new Option("--dir <folder>", "folder holding the queues (default $HPCFIT_DATA_DIR/queues or ~/.local/share/hpcfit/queues)");

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

/**
 * Builds the `queue` command with its subcommands. Call `configure` on the returned command
 * before parsing if the front door needs commander's exits and output redirected (the magic does).
 */
export function buildQueueCommand(io: QueueFrontDoor, configure?: (c: Command) => void): Command {
  const cmd = new Command("queue").description("A task queue: many small tasks over a few batch jobs, nothing lost.");
  configure?.(cmd);
  // User errors go to the front door's `fail` when it has one (the CLI prints them); otherwise
  // they reject the parse (the magic turns them into a UserError).
  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      try {
        await fn(...args);
      } catch (e) {
        if (io.fail && isUserError(e)) io.fail(e);
        else throw e;
      }
    };
  const show = (value: unknown, text: string) => {
    if (io.printsValues) io.print(text);
    io.result(value);
  };

  cmd
    .command("create")
    .description("create a queue")
    .argument("<queue>", "queue name")
    .addOption(new Option("--max-attempts <n>", "attempts a task gets before a lost lease fails it").default(3).argParser(integer("--max-attempts", 1)))
    .addOption(dirOption())
    .action(act(async (name: string, o: { maxAttempts: number; dir?: string }) => {
      const q = await create(name, { dir: o.dir, maxAttempts: o.maxAttempts });
      io.print(`Created queue ${name} in ${q.directory}.`);
      q.close();
    }));

  cmd
    .command("list")
    .description("list the queues with their task counts")
    .addOption(dirOption())
    .action(act(async (o: { dir?: string }) => {
      const queues = await list({ dir: o.dir });
      const text = queues.length
        ? queues.map((q) => `${q.name.padEnd(20)} ${q.state.padEnd(7)} ${q.total} tasks: ${TASK_STATES.map((s) => `${s} ${q.counts[s]}`).join(", ")}`).join("\n")
        : "(no queues)";
      show(queues, text);
    }));

  cmd
    .command("status")
    .description("counts per state, rate and time left")
    .argument("<queue>", "queue name")
    .option("--follow", "keep showing the status while workers run")
    .option("--once", "show the status once (the notebook follows by default)")
    .addOption(new Option("--interval <seconds>", "refresh interval when following").default(1).argParser(seconds("--interval")))
    .addOption(dirOption())
    .action(act(async (name: string, o: { follow?: boolean; once?: boolean; interval: number; dir?: string }) => {
      await withQueue(name, o.dir, async (q) => {
        const follow = o.follow ?? (!o.once && io.followsByDefault);
        if (!follow) {
          const status = await q.status();
          show(status, status.toString());
          return;
        }
        await followStatus(q, io, o.interval * 1000);
      });
    }));

  cmd
    .command("add")
    .description("add one task: a command (after --), or --params expanded into --script")
    .argument("<queue>", "queue name")
    .argument("[command...]", "the command line (put it after -- when it has options)")
    .addOption(new Option("--priority <p>", "higher runs first").default(0).argParser(integer("--priority", Number.MIN_SAFE_INTEGER)))
    .option("--requires <ids>", "ids or keys of tasks that must succeed first, comma separated")
    .option("--key <key>", "a name other tasks can require this one by")
    .option("--script <template>", 'command template filled from --params, e.g. "fit {model} --steps {steps}"')
    .option("--params <json>", "the task's parameters, a JSON object")
    .addOption(dirOption())
    .action(act(async (name: string, words: string[], o: { priority: number; requires?: string; key?: string; script?: string; params?: string; dir?: string }) => {
      const task: TaskInput = { priority: o.priority };
      if (words.length > 0) task.command = words.join(" ");
      if (o.params !== undefined) task.params = parseParams(o.params);
      if (o.requires !== undefined) task.requires = parseRequires(o.requires);
      if (o.key !== undefined) task.key = o.key;
      if (task.command === undefined && task.params === undefined) throw new UserError("add needs a command (after --) or --params.");
      await withQueue(name, o.dir, async (q) => {
        const added = await q.add(task, { script: o.script });
        show(added, `Added task ${added.id} (${added.state}).`);
      });
    }));

  cmd
    .command("load")
    .description("add the tasks of a file (one command or JSON object per line), all or none")
    .argument("<queue>", "queue name")
    .argument("<file>", "file of tasks ('-' reads standard input)")
    .option("--script <template>", "command template filled from each JSON line")
    .addOption(new Option("--priority <p>", "priority of tasks that set none").default(0).argParser(integer("--priority", Number.MIN_SAFE_INTEGER)))
    .addOption(dirOption())
    .action(act(async (name: string, file: string, o: { script?: string; priority: number; dir?: string }) => {
      await withQueue(name, o.dir, async (q) => {
        const text = await io.readText(file);
        const ids = await q.load(text, { script: o.script, priority: o.priority, source: file === "-" ? "stdin" : file });
        show(ids, ids.length ? `Added ${ids.length} tasks (ids ${ids[0]}-${ids[ids.length - 1]}).` : "Added no tasks.");
      });
    }));

  cmd
    .command("tasks")
    .description("list tasks")
    .argument("<queue>", "queue name")
    .option("--state <states>", `only these states, comma separated (${TASK_STATES.join(", ")})`)
    .addOption(new Option("--limit <n>", "at most this many").argParser(integer("--limit", 1)))
    .option("--json", "one JSON object per line")
    .addOption(dirOption())
    .action(act(async (name: string, o: { state?: string; limit?: number; json?: boolean; dir?: string }) => {
      await withQueue(name, o.dir, async (q) => {
        const tasks = await q.tasks({ state: o.state === undefined ? undefined : parseStates(o.state), limit: o.limit });
        show(taskTable(tasks), o.json ? tasks.map((t) => JSON.stringify(t)).join("\n") : formatTaskTable(tasks));
      });
    }));

  cmd
    .command("retry")
    .description("failed tasks (all, or those given) back to pending")
    .argument("<queue>", "queue name")
    .argument("[ids...]", "task ids (default: every failed task)")
    .addOption(dirOption())
    .action(act(async (name: string, ids: string[], o: { dir?: string }) => {
      await withQueue(name, o.dir, async (q) => {
        const n = await q.retry(ids.length ? parseIds(ids) : undefined);
        show(n, `Requeued ${n} failed task(s).`);
      });
    }));

  cmd
    .command("rerun")
    .description("every finished task back to pending (--force: running ones too)")
    .argument("<queue>", "queue name")
    .option("--force", "also requeue running tasks (their current results are discarded)")
    .addOption(dirOption())
    .action(act(async (name: string, o: { force?: boolean; dir?: string }) => {
      await withQueue(name, o.dir, async (q) => {
        const running = (await q.status()).counts.RUNNING;
        const n = await q.rerun({ force: o.force });
        const note = running > 0 && !o.force ? ` (${running} running task(s) left alone; --force requeues them too)` : "";
        show(n, `Requeued ${n} task(s)${note}.`);
      });
    }));

  cmd
    .command("recover")
    .description("requeue tasks whose lease has expired now (workers also do this themselves)")
    .argument("<queue>", "queue name")
    .addOption(dirOption())
    .action(act(async (name: string, o: { dir?: string }) => {
      await withQueue(name, o.dir, async (q) => {
        const n = await q.recover();
        show(n, `Recovered ${n} task(s) with expired leases.`);
      });
    }));

  for (const [verb, what] of [
    ["pause", "stop handing out tasks (running ones finish)"],
    ["resume", "hand out tasks again"],
  ] as const) {
    cmd
      .command(verb)
      .description(what)
      .argument("<queue>", "queue name")
      .addOption(dirOption())
      .action(act(async (name: string, o: { dir?: string }) => {
        await withQueue(name, o.dir, async (q) => {
          await (verb === "pause" ? q.pause() : q.resume());
          io.print(`Queue ${name} ${verb === "pause" ? "paused" : "resumed"}.`);
        });
      }));
  }

  cmd
    .command("delete")
    .description("delete a queue, its tasks and logs")
    .argument("<queue>", "queue name")
    .option("--force", "even while tasks are running")
    .addOption(dirOption())
    .action(act(async (name: string, o: { force?: boolean; dir?: string }) => {
      await remove(name, { dir: o.dir, force: o.force });
      io.print(`Deleted queue ${name}.`);
    }));

  cmd
    .command("launch")
    .description("submit N worker jobs (a job array) that drain the queue; other options go to sbatch")
    .argument("<queue>", "queue name")
    .argument("<n>", "number of worker jobs", integer("N", 1))
    .argument("[sbatch...]", "sbatch options, e.g. --partition debug")
    .addOption(new Option("--cores-per-worker <c>", "cores each worker (task) gets").default(1).argParser(integer("--cores-per-worker", 1)))
    .option("--workers-per-job <w>", "workers in each job (default 1)")
    .option("--walltime <time>", "time limit of each job (sbatch --time)")
    .addOption(new Option("--lease <seconds>", "lease length the workers use").argParser(seconds("--lease")))
    .addOption(dirOption())
    .allowUnknownOption()
    .action(act(
      async (
        name: string,
        n: number,
        sbatch: string[],
        o: { coresPerWorker: number; workersPerJob?: string; walltime?: string; lease?: number; dir?: string },
      ) => {
        await withQueue(name, o.dir, async (q) => {
          const workersPerJob = o.workersPerJob === undefined ? 1 : integer("--workers-per-job", 1)(o.workersPerJob);
          const launched = await launchWorkers(q, {
            jobs: n,
            coresPerWorker: o.coresPerWorker,
            workersPerJob,
            walltime: o.walltime,
            leaseSeconds: o.lease,
            sbatchArgs: sbatch,
            queuesDir: o.dir,
          });
          show(launched, `Submitted ${launched.jobIds.length} worker job(s) for queue ${name}: ${launched.jobIds.join(" ")}`);
        });
      },
    ));

  cmd
    .command("work")
    .description("run workers here until the queue is done (inside a batch job: one per allocated core)")
    .argument("<queue>", "queue name")
    .addOption(new Option("--workers <n>", "worker loops (default: $SLURM_CPUS_ON_NODE, else 1)").argParser(integer("--workers", 1)))
    .addOption(new Option("--lease <seconds>", "lease length; the heartbeat renews it every third").default(60).argParser(seconds("--lease")))
    .addOption(new Option("--poll <seconds>", "how often an idle worker looks for work").default(1).argParser(seconds("--poll")))
    .addOption(new Option("--max-tasks <n>", "stop after this many tasks").argParser(integer("--max-tasks", 1)))
    .option("--keep-alive", "wait for new tasks instead of exiting when the queue is done")
    .option("--verbose", "print a line per finished task")
    .addOption(dirOption())
    .action(act(
      async (
        name: string,
        o: { workers?: number; lease: number; poll: number; maxTasks?: number; keepAlive?: boolean; verbose?: boolean; dir?: string },
      ) => {
        const envCores = Number(process.env.SLURM_CPUS_ON_NODE);
        const workers = o.workers ?? (Number.isInteger(envCores) && envCores > 0 ? envCores : 1);
        await withQueue(name, o.dir, async (q) => {
          const summary = await q.work(undefined, {
            workers,
            leaseSeconds: o.lease,
            pollSeconds: o.poll,
            maxTasks: o.maxTasks,
            exitWhenDone: !o.keepAlive,
            signal: io.signal,
            onTask: o.verbose
              ? (r) => io.print(`task ${r.task.id} ${r.outcome.exitCode === 0 ? "succeeded" : `failed (${r.outcome.error})`} on ${r.worker}${r.recorded ? "" : " [not recorded: lease lost or stopped]"}`)
              : undefined,
          });
          show(summary, `Worker(s) done: ${summary.succeeded} succeeded, ${summary.failed} failed, ${summary.abandoned} given back.`);
        });
      },
    ));

  return cmd;
}
