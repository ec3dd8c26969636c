/** `%time EXPR` and `%%time`: run code in the notebook's scope and report how long it took. */
import { type Magic, type MagicContext } from "../../kernel/magics/types.js";
import { UserError } from "../../util/user-error.js";

/** Formats a duration in milliseconds the way a person reads it. */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${((ms - minutes * 60_000) / 1000).toFixed(1)} s`;
}

async function timed(code: string, context: MagicContext): Promise<unknown> {
  if (!context.run) throw new UserError("%time needs a kernel that can run code (MagicContext.run is missing).");
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    return await context.run(code);
  } finally {
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    context.output.stream(
      "stdout",
      `CPU times: user ${formatDuration(cpu.user / 1000)}, sys ${formatDuration(cpu.system / 1000)}, total ${formatDuration((cpu.user + cpu.system) / 1000)}\nWall time: ${formatDuration(wall)}\n`,
    );
  }
}

/** `%time EXPR` returns EXPR's value; `%%time` returns the value of the cell's last expression. */
export const timeMagic: Magic = {
  name: "time",
  kind: "both",
  summary: "Time the execution of an expression (%time) or a cell (%%time); the value is returned.",
  usage:
    "%time EXPRESSION\n%%time\nCELL BODY\n\nPrints CPU and wall time, then gives the value of the expression (or of the cell's last expression).",
  run(args, context, body) {
    const code = body ?? args;
    if (body === undefined && args.trim() === "")
      throw new UserError("%time needs an expression to time, e.g. %time fit(problem)");
    return timed(code, context);
  },
};
