/**
 * What the kernel does with a cell's type errors: `warn` shows them and runs the cell, `strict`
 * shows them and does not run it, `off` does not check. One setting per kernel process, changed
 * by the `%typecheck` magic.
 */

/** The type-checking modes. */
export type TypeCheckMode = "warn" | "strict" | "off";

/** Every mode, for help texts and argument checks. */
export const TYPE_CHECK_MODES: readonly TypeCheckMode[] = ["warn", "strict", "off"];

let mode: TypeCheckMode = "warn";

/** The current mode (`warn` until changed). */
export function typeCheckMode(): TypeCheckMode {
  return mode;
}

/** Sets the mode for the cells that follow. */
export function setTypeCheckMode(next: TypeCheckMode): void {
  mode = next;
}
