/**
 * Runs one command task: an argument vector without a shell, or a shell command line with
 * `/bin/sh -c`, its output going to the attempt's log file, in a process group of its own that
 * dies with the worker.
 */
import { spawn } from "node:child_process";
import { closeSync, fchmodSync, fstatSync, openSync } from "node:fs";
import { dirname, join } from "node:path";
import { constants } from "node:os";
import type { TaskOutcome } from "./types.js";
import { ensurePrivateDir } from "../util/paths.js";

/** What a command task runs. */
export type TaskCommand = { readonly argv: readonly string[] } | { readonly shell: string };

/**
 * Where the log of attempt `attempt` of task `id` goes. Tasks are grouped a thousand per folder
 * so that a queue of a million tasks does not put a million files in one directory; each attempt
 * keeps its own log, so a retried task's earlier failures stay readable.
 */
export function logFilePath(queueDirectory: string, id: number, attempt: number): string {
  return join(queueDirectory, "logs", String(Math.floor(id / 1000)), `${id}.${attempt}.log`);
}

/** After asking a task to stop, how long it gets before it is killed outright (ms). */
const KILL_GRACE_MS = 3000;

/**
 * The shell program every task starts under, as the leader of its own process group (`$1` is
 * `argv` or `shell`, then the command). It makes the task die with its worker: file descriptor 3
 * is one end of a socket whose other end only the worker holds, so when the worker dies, however
 * it dies (SIGKILL included), a background reader sees end-of-file and kills the whole group,
 * grandchildren included. Linux's parent-death signal would reach the direct child only, and
 * Node cannot set it. The task itself runs in a subshell that `exec`s it (an argument vector thus
 * runs the program found on PATH, never a shell builtin of that name), without descriptor 3.
 * SIGTERM from the worker reaches the whole group; the supervisor traps it so that it waits for
 * the task to finish (the worker's SIGKILL follows after a grace period). Its exit status is the
 * task's, and a task killed by a signal is re-raised as that signal (core dumps off).
 */
const SUPERVISOR = `trap : TERM
( trap '' TERM INT HUP; read -r _ <&3; kill -KILL 0 ) &
watch=$!
exec 3<&-
if [ "$1" = shell ]; then (exec /bin/sh -c "$2"); else shift; (exec "$@"); fi
status=$?
kill -KILL "$watch" 2>/dev/null
if [ "$status" -gt 128 ] && signal=$(kill -l "$status" 2>/dev/null); then trap - TERM; ulimit -c 0; kill -s "$signal" $$; fi
exit "$status"`;

/** Why a command exited non-zero, in words. */
function exitReason(code: number): string {
  if (code === 127) return "exit code 127 (command not found)";
  if (code === 126) return "exit code 126 (command not executable)";
  return `exit code ${code}`;
}

/** Sends `signal` to every process of the group led by `pid`; a group already gone is fine. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}

/**
 * Runs `command`, stdout and stderr to `logFile` (replaced, and made private, on each attempt).
 * The task leads a process group of its own: `signal` stops the whole group (SIGTERM, then SIGKILL
 * after a grace period), whatever the task left running in its group is killed when it ends, and
 * the group is killed if this process dies (see {@link SUPERVISOR}), so that a task never runs on
 * beside the attempt that replaces it after its lease expires.
 */
export function runCommand(command: TaskCommand, logFile: string, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<TaskOutcome> {
  ensurePrivateDir(dirname(logFile));
  const fd = openSync(logFile, "w", 0o600);
  const words = "argv" in command ? ["argv", ...command.argv] : ["shell", command.shell];
  return new Promise<TaskOutcome>((resolve) => {
    let child;
    try {
      if ((fstatSync(fd).mode & 0o077) !== 0) fchmodSync(fd, 0o600);
      child = spawn("/bin/sh", ["-c", SUPERVISOR, "hpcfit-task", ...words], { stdio: ["ignore", fd, fd, "pipe"], env, detached: true });
    } finally {
      closeSync(fd);
    }
    const pid = child.pid;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (pid === undefined) return;
      signalGroup(pid, "SIGTERM");
      killTimer = setTimeout(() => signalGroup(pid, "SIGKILL"), KILL_GRACE_MS);
    };
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
    let settled = false;
    const settle = (outcome: TaskOutcome) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", stop);
      clearTimeout(killTimer);
      // Whatever the task left behind in its group (background jobs, the supervisor's reader)
      // ends with it; the worker's end of the socket goes last, as its closing kills the group.
      if (pid !== undefined) signalGroup(pid, "SIGKILL");
      child.stdio[3]?.destroy();
      resolve(outcome);
    };
    child.on("error", (error) => settle({ exitCode: 127, error: `could not start /bin/sh: ${error.message}` }));
    child.on("exit", (code, sig) => {
      if (sig) {
        const n = (constants.signals as Record<string, number>)[sig] ?? 0;
        settle({ exitCode: 128 + n, error: `killed by ${sig}` });
      } else {
        settle({ exitCode: code ?? 1, error: code === 0 ? null : exitReason(code ?? 1) });
      }
    });
  });
}
