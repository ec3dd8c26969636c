/**
 * `%%bash` and `%%sh`: run the cell body with a shell, streaming its stdout and stderr into the
 * cell as they come. A non-zero exit status is an error naming the status; an interrupt stops
 * the shell and everything it started (it runs in its own process group).
 */
import { spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import { type Magic, type MagicContext } from "../../kernel/magics/types.js";
import { UserError } from "../../util/user-error.js";

/** Grace period between SIGTERM and SIGKILL when a shell is interrupted. */
const KILL_GRACE_MS = 1000;

/** Runs `script` with `shell`, streaming output to the cell. Resolves when the shell exits with status 0. */
export function runShell(shell: string, script: string, context: MagicContext): Promise<void> {
  return new Promise<void>((resolvePromise, reject) => {
    if (context.signal.aborted) {
      reject(new UserError(`%%${shell} was interrupted before it started.`));
      return;
    }
    const child = spawn(shell, ["-c", script], {
      cwd: process.cwd(),
      env: process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const decoders = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
    const forward = (name: "stdout" | "stderr") => (chunk: Buffer) => {
      const text = decoders[name].write(chunk);
      if (text) context.output.stream(name, text);
    };
    child.stdout.on("data", forward("stdout"));
    child.stderr.on("data", forward("stderr"));
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const onAbort = (): void => {
      killGroup("SIGTERM");
      killTimer = setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS);
      killTimer.unref();
    };
    context.signal.addEventListener("abort", onAbort, { once: true });
    child.on("error", (error) => {
      context.signal.removeEventListener("abort", onAbort);
      reject(new UserError(`%%${shell}: could not start ${shell}: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      context.signal.removeEventListener("abort", onAbort);
      if (killTimer) clearTimeout(killTimer);
      for (const name of ["stdout", "stderr"] as const) {
        const rest = decoders[name].end();
        if (rest) context.output.stream(name, rest);
      }
      if (code === 0) resolvePromise();
      else if (context.signal.aborted) reject(new UserError(`%%${shell} was interrupted (the shell was stopped).`));
      else if (signal) reject(new UserError(`%%${shell}: the shell was killed by ${signal}.`));
      else reject(new UserError(`%%${shell}: the script exited with status ${code}.`));
    });
  });
}

function shellMagic(shell: "bash" | "sh"): Magic {
  return {
    name: shell,
    kind: "cell",
    summary: `Run the cell with ${shell}, streaming its output; a non-zero exit status is an error.`,
    usage: `%%${shell}\ncommands ...`,
    async run(args, context, body) {
      if (args.trim() !== "") throw new UserError(`%%${shell} takes no arguments (got "${args.trim()}").`);
      await runShell(shell, body ?? "", context);
      return undefined;
    },
  };
}

/** `%%bash`. */
export const bashMagic: Magic = shellMagic("bash");
/** `%%sh`. */
export const shMagic: Magic = shellMagic("sh");
