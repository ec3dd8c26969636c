/** `%tail ID [-n N] [-f]` and `%wait ID...`. */
import { existsSync, statSync } from "node:fs";
import * as jobs from "../../jobs/api.js";
import { readTail } from "../../jobs/job.js";
import { endNotice } from "../../jobs/render.js";
import { type Magic } from "../../kernel/magics/types.js";
import { parseOptions, userErrors, words } from "./magic-support.js";
import { UserError } from "../../util/user-error.js";

/** `%tail ID [-n N] [-f] [--stderr]`: a job's output, optionally following it while it runs. */
export const tailMagic: Magic = {
  name: "tail",
  kind: "line",
  summary: "Show a job's output (last N lines; -f follows it until the job ends).",
  usage: "%tail ID [-n N] [-f] [--stderr]",
  async run(args, context) {
    const { options, positional } = parseOptions("tail", words(args), [
      { names: ["-n", "--lines"], value: true, key: "lines" },
      { names: ["-f", "--follow"], value: false, key: "follow" },
      { names: ["--stderr"], value: false, key: "stderr" },
    ]);
    if (positional.length !== 1) throw new UserError("%tail: give exactly one job id");
    let lines: number | undefined = 10;
    if (typeof options.lines === "string") {
      if (!/^\d+$/.test(options.lines)) throw new UserError(`%tail: -n needs a non-negative integer, not "${options.lines}"`);
      lines = Number(options.lines);
    }
    const stream = options.stderr ? "stderr" : "stdout";
    const job = await userErrors("tail", () => jobs.get(positional[0]));
    if (job.isArray) throw new UserError(`%tail: ${job.id} is a job array; tail one task, e.g. ${job.tasks[0].id}`);
    const path = stream === "stdout" ? job.stdout : job.stderr;
    if (!path) throw new UserError(`%tail: job ${job.id} has no ${stream} file`);
    const first = readTail(path, lines);
    if (first) context.output.stream("stdout", first);
    const ended = (): void => {
      const notice = job.tasks.map(endNotice).find((n) => n !== undefined);
      if (notice) context.output.stream("stderr", `${notice}\n`);
    };
    if (!options.follow) {
      if (job.done) ended();
      return undefined;
    }
    let offset = existsSync(path) ? statSync(path).size : 0;
    for (;;) {
      if (context.signal.aborted) return undefined;
      await job.refresh();
      const size = existsSync(path) ? statSync(path).size : 0;
      if (size > offset) {
        const text = readTail(path).slice(offset);
        offset = size;
        context.output.stream("stdout", text);
      }
      if (job.done) {
        ended();
        return undefined;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  },
};

/** `%wait ID...`: waits until the jobs end, with live status; returns the Job (or Jobs). */
export const waitMagic: Magic = {
  name: "wait",
  kind: "line",
  summary: "Wait until jobs end (live status); returns the Job or Jobs.",
  usage: "%wait ID [ID...]",
  async run(args, context) {
    const list = words(args)
      .flatMap((a) => a.split(","))
      .filter((a) => a !== "");
    if (list.length === 0) throw new UserError("%wait: give at least one job id");
    const bad = list.find((a) => a.startsWith("-"));
    if (bad) throw new UserError(`%wait: unknown option ${bad}`);
    const done = await userErrors("wait", () => jobs.wait(list, { signal: context.signal, live: true }));
    return done.length === 1 ? done[0] : done;
  },
};
