/** `%kernel where`: where this kernel runs (node, Slurm job, time left). */
import type { Magic } from "../../kernel/magics/types.js";
import { kernelPlace, placeLine } from "../../jobs/kernel-allocation.js";
import { UserError } from "../../util/user-error.js";

/** `%kernel where` prints one line and returns the place as an object. */
export const kernelMagic: Magic = {
  name: "kernel",
  kind: "line",
  summary: "Say where this kernel runs: its node, its Slurm job and the time left.",
  usage: "%kernel where",
  async run(args, context) {
    const verb = args.trim();
    if (verb !== "where") throw new UserError(`%kernel: unknown verb "${verb}"; use %kernel where`);
    const place = await kernelPlace();
    context.output.stream("stdout", `${placeLine(place)}\n`);
    return place;
  },
};
