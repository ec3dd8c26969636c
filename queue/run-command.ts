/**
 * Runs one command task: an argument vector without a shell, or a shell command line with
 * `/bin/sh -c`, its output going to the attempt's log file, in a process group of its own.
 */
import { spawn } from "node:child_process";
import { appendFileSync, closeSync, fchmodSync, fstatSync, openSync } from "node:fs";
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

/** Sends `signal` to every process of the group led by `pid`; a group already gone is fine. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}

/** Why a program could not be started, as a shell would say it (and with its exit code). */
function startFailure(program: string, error: NodeJS.ErrnoException): TaskOutcome {
  if (error.code === "ENOENT") return { exitCode: 127, error: `command not found: ${program}` };
  if (error.code === "EACCES") return { exitCode: 126, error: `permission denied: ${program}` };
  return { exitCode: 126, error: `could not start ${program}: ${error.message}` };
}

/**
 * Runs `command`, stdout and stderr to `logFile` (replaced, and made private, on each attempt).
 * The task leads a process group of its own: `signal` stops the whole group (SIGTERM, then
 * SIGKILL after a grace period), and whatever the task left running in its group is killed when
 * it ends. That the task dies with the worker is the watchdog's part (task-watchdog.ts), through
 * the variables it puts in `env`.
 */
export function runCommand(
  command: TaskCommand,
  logFile: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<TaskOutcome> {
  ensurePrivateDir(dirname(logFile));
  const fd = openSync(logFile, "w", 0o600);
  const [program, ...args] = "argv" in command ? command.argv : ["/bin/sh", "-c", command.shell];
  return new Promise<TaskOutcome>((resolve) => {
    let child;
    try {
      if ((fstatSync(fd).mode & 0o077) !== 0) fchmodSync(fd, 0o600);
      child = spawn(program, args, { stdio: ["ignore", fd, fd], env, detached: true });
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
      // Background jobs the task left in its group end with it.
      if (pid !== undefined) signalGroup(pid, "SIGKILL");
      resolve(outcome);
    };
    child.on("error", (error: NodeJS.ErrnoException) => {
      const outcome = startFailure(program, error);
      appendFileSync(logFile, `hpcfit: ${outcome.error}\n`);
      settle(outcome);
    });
    child.on("exit", (code, sig) => {
      if (sig) {
        const n = (constants.signals as Record<string, number>)[sig] ?? 0;
        settle({ exitCode: 128 + n, error: `killed by ${sig}` });
      } else {
        settle({ exitCode: code ?? 1, error: code === 0 ? null : `exit code ${code}` });
      }
    });
  });
}
