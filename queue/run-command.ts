/** Runs one command task in a shell, its output going to the task's log file. */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { constants } from "node:os";
import type { TaskOutcome } from "./types.js";

/**
 * Where attempt logs of task `id` go. Tasks are grouped a thousand per folder so that a queue of a
 * million tasks does not put a million files in one directory.
 */
export function logFilePath(queueDirectory: string, id: number): string {
  return join(queueDirectory, "logs", String(Math.floor(id / 1000)), `${id}.log`);
}

/** After asking a task to stop, how long it gets before it is killed outright (ms). */
const KILL_GRACE_MS = 3000;

/**
 * Runs `command` with `/bin/sh -c`, stdout and stderr to `logFile` (replaced on each attempt).
 * The child stays in the worker's process group so that when the batch job (or the worker) is
 * killed, its tasks die with it and never run alongside their re-run. `signal` stops the task.
 */
export function runCommand(command: string, logFile: string, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<TaskOutcome> {
  mkdirSync(join(logFile, ".."), { recursive: true });
  const fd = openSync(logFile, "w");
  return new Promise<TaskOutcome>((resolve) => {
    let child;
    try {
      child = spawn("/bin/sh", ["-c", command], { stdio: ["ignore", fd, fd], env });
    } finally {
      closeSync(fd);
    }
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      child.kill("SIGTERM");
      killTimer = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
    };
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
    child.on("error", (error) => {
      signal.removeEventListener("abort", stop);
      clearTimeout(killTimer);
      resolve({ exitCode: 127, error: `could not start /bin/sh: ${error.message}` });
    });
    child.on("close", (code, sig) => {
      signal.removeEventListener("abort", stop);
      clearTimeout(killTimer);
      if (sig) {
        const n = (constants.signals as Record<string, number>)[sig] ?? 0;
        resolve({ exitCode: 128 + n, error: `killed by ${sig}` });
      } else {
        resolve({ exitCode: code ?? 1, error: code === 0 ? null : `exit code ${code}` });
      }
    });
  });
}
