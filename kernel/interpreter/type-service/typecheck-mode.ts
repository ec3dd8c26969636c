/**
 * What the kernel does with a cell's type errors: `warn` shows them and runs the cell, `strict`
 * shows them and does not run it, `off` does not check. One setting per kernel process, set at
 * start by `HPCFIT_TYPECHECK` and changed by the `%typecheck` magic.
 */

/** The type-checking modes. */
export type TypeCheckMode = "warn" | "strict" | "off";

/** Every mode, for help texts and argument checks. */
export const TYPE_CHECK_MODES: readonly TypeCheckMode[] = ["warn", "strict", "off"];

/** The environment variable that sets a kernel's mode from its start (`warn` without it). */
export const TYPE_CHECK_ENV = "HPCFIT_TYPECHECK";

const fromEnv = process.env[TYPE_CHECK_ENV];
const envIsMode = fromEnv !== undefined && (TYPE_CHECK_MODES as readonly string[]).includes(fromEnv);
let mode: TypeCheckMode = envIsMode ? (fromEnv as TypeCheckMode) : "warn";

/** The current mode: `HPCFIT_TYPECHECK` at start, else `warn`, until changed. */
export function typeCheckMode(): TypeCheckMode {
  return mode;
}

/** Why `HPCFIT_TYPECHECK` was not used, when it was set to something that is not a mode. */
export function typeCheckEnvProblem(): string | undefined {
  if (fromEnv === undefined || fromEnv === "" || envIsMode) return undefined;
  return `${TYPE_CHECK_ENV}=${fromEnv} is not a mode (use ${TYPE_CHECK_MODES.join(", ")}): warn is used`;
}

/** Sets the mode for the cells that follow. */
export function setTypeCheckMode(next: TypeCheckMode): void {
  mode = next;
}
