import { spawn } from "node:child_process";
import { UserError } from "../util/user-error.js";

/** What a finished command printed. */
export interface CommandResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs `command` with an argument array (never through a shell, so names with spaces or quotes
 * are passed as they are), feeding `input` on stdin. A non-zero exit becomes a {@link UserError}
 * carrying the command's own error message.
 */
export function runCommand(
  command: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e: NodeJS.ErrnoException) => {
      reject(
        new UserError(
          e.code === "ENOENT" ? `${command} is not installed (not found on PATH)` : `${command} could not start: ${e.message}`,
        ),
      );
    });
    child.on("close", (code, signal) => {
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === 0) return resolve({ stdout, stderr });
      const message = stderr.trim() || stdout.trim() || (signal ? `killed by ${signal}` : `exit status ${code}`);
      reject(new UserError(`${command} failed: ${message}`));
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}
