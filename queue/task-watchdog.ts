/**
 * A worker's watchdog: a small `/bin/sh` process that kills the worker's task processes when the
 * worker dies, however it dies (SIGKILL, the OOM killer, a crash), so that a task never runs on
 * beside the attempt that replaces it once its lease expires.
 *
 * The worker holds the only write end of the watchdog's standard input and marks every task it
 * starts with a random token in the task's environment, which the task's children inherit. When
 * the worker dies, the kernel closes that pipe; the watchdog reads end-of-file and kills every
 * process whose environment holds the token: the task, its children, and processes that left its
 * process group (`setsid`). A worker that ends normally writes `done` first, and the watchdog
 * leaves quietly. Linux's parent-death signal (`prctl(PR_SET_PDEATHSIG)`) would reach the direct
 * child only, not its children, and Node cannot set it; this needs /proc, which Linux has.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";

/** The environment variable that marks a worker's task processes. */
export const TASK_OWNER_VARIABLE = "HPCFIT_TASK_OWNER";

/**
 * The watchdog's program; `$1` is the token. It ignores the signals a batch system or a terminal
 * sends to the whole job, so that it outlives the worker long enough to act. Processes are stopped
 * before they are killed, and the search repeats, so that a task forking while it is being killed
 * does not leave a child behind.
 */
const WATCHDOG = `trap '' TERM INT HUP
if read -r line && [ "$line" = done ]; then exit 0; fi
for round in 1 2 3 4 5; do
  pids=
  for f in $(grep -l -a -F -e "${TASK_OWNER_VARIABLE}=$1" /proc/[0-9]*/environ 2>/dev/null); do
    p=\${f#/proc/}; pids="$pids \${p%/environ}"
  done
  [ -z "$pids" ] && exit 0
  kill -STOP $pids 2>/dev/null
  kill -KILL $pids 2>/dev/null
done`;

/** One worker process's watchdog; {@link close} it when the worker's loops are done. */
export class TaskWatchdog {
  /** Variables to add to every task's environment. */
  readonly env: Readonly<Record<string, string>>;
  private closed = false;

  private constructor(
    private readonly child: ChildProcess,
    token: string,
  ) {
    this.env = { [TASK_OWNER_VARIABLE]: token };
  }

  /** Starts a watchdog. It keeps neither the worker's event loop nor its process group alive. */
  static start(): TaskWatchdog {
    const token = randomBytes(16).toString("hex");
    // Its own session: a signal to the worker's process group (Ctrl-C, a kill of the group) does
    // not reach it.
    const child = spawn("/bin/sh", ["-c", WATCHDOG, "hpcfit-task-watchdog", token], {
      stdio: ["pipe", "ignore", "ignore"],
      detached: true,
    });
    child.on("error", (error) =>
      process.emitWarning(`the queue's task watchdog did not start (${error.message}); tasks will not die with this worker`),
    );
    // A watchdog that died early makes writes fail with EPIPE; there is nothing else to do then.
    child.stdin.on("error", () => undefined);
    child.unref();
    (child.stdin as { unref?: () => void }).unref?.();
    return new TaskWatchdog(child, token);
  }

  /** Tells the watchdog that the worker ends normally: it exits without killing anything. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.child.stdin!.end("done\n");
  }
}
