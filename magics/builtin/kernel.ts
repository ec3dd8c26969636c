/** `%kernel where`: where this kernel runs (node, Slurm job, time left). */
import type { Magic } from "../../kernel/magics/types.js";
import { kernelPlace, placeLine, type KernelPlace } from "../../jobs/kernel-allocation.js";
import { DISPLAY, type Displayable } from "../../schema/display.js";
import { UserError } from "../../util/user-error.js";

/**
 * `%kernel where` returns the place as an object that shows itself as one line, so that the
 * cell prints the line once and `const place = %kernel where` still gets the fields.
 */
export const kernelMagic: Magic = {
  name: "kernel",
  kind: "line",
  summary: "Say where this kernel runs: its node, its Slurm job and the time left.",
  usage: "%kernel where",
  async run(args) {
    const verb = args.trim();
    if (verb !== "where") throw new UserError(`%kernel: unknown verb "${verb}"; use %kernel where`);
    const place: KernelPlace & Displayable = Object.defineProperty({ ...(await kernelPlace()) }, DISPLAY, {
      value(this: KernelPlace) {
        return { "text/plain": placeLine(this) };
      },
    }) as KernelPlace & Displayable;
    return place;
  },
};
