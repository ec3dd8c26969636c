/**
 * How a value becomes a MIME bundle: its own `[Symbol.for("hpcfit.display")]()` bundle when it
 * has one (or `[Symbol.for("Jupyter.display")]()`, the method values made for Deno's kernel
 * have), else `text/plain` from `util.inspect` without colours.
 */
import { inspect } from "node:util";
import { DISPLAY, isDisplayable, type MimeBundle } from "../../schema/display.js";

/** `util.inspect` as the kernel shows values: no colours, a readable depth. */
export function inspectValue(value: unknown): string {
  return inspect(value, { colors: false, depth: 4, maxArrayLength: 100, maxStringLength: 10_000, breakLength: 100 });
}

/**
 * The bundle for `value`. A value's own display method that throws, or returns something that
 * is not a bundle, falls back to `text/plain` with the reason appended, so the output is never lost.
 */
export function bundleOf(value: unknown, options: { rawStrings?: boolean } = {}): MimeBundle {
  const method = isDisplayable(value) ? DISPLAY : hasJupyterDisplay(value) ? JUPYTER_DISPLAY : undefined;
  if (method !== undefined) {
    let problem: string;
    try {
      const bundle = (value as Record<symbol, () => unknown>)[method]();
      if (typeof bundle === "object" && bundle !== null && !Array.isArray(bundle) && Object.keys(bundle).length > 0) {
        const copy = { ...(bundle as MimeBundle) };
        if (copy["text/plain"] === undefined) copy["text/plain"] = inspectValue(value);
        return copy;
      }
      problem = "its display method returned no MIME bundle";
    } catch (error) {
      problem = `its display method threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    }
    return { "text/plain": `${inspectValue(value)}\n(hpcfit: ${problem})` };
  }
  if (options.rawStrings && typeof value === "string") return { "text/plain": value };
  return { "text/plain": inspectValue(value) };
}

/** The display method of values written for Deno's Jupyter kernel. */
const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

function hasJupyterDisplay(value: unknown): boolean {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as Record<symbol, unknown>)[JUPYTER_DISPLAY] === "function"
  );
}
