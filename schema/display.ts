/**
 * How values show themselves, shared by the kernel (which renders them) and every library that
 * makes displayable values (the fitting engine, jobs). Pure types and symbols: no imports.
 */

/** A MIME bundle: MIME type to data, as in Jupyter's `display_data`. */
export type MimeBundle = Record<string, unknown>;

/**
 * A value with a method under this symbol displays itself richly in the kernel: the method
 * returns a MIME bundle, which should always include `text/plain` (and `text/html` where a
 * rich MIME type is given, so nbconvert and GitHub still show something).
 */
export const DISPLAY: unique symbol = Symbol.for("hpcfit.display") as never;

/** A value that knows how to display itself (see {@link DISPLAY}). */
export interface Displayable {
  [DISPLAY](): MimeBundle;
}

/** True when `value` has a {@link DISPLAY} method. */
export function isDisplayable(value: unknown): value is Displayable {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as Partial<Displayable>)[DISPLAY] === "function"
  );
}

/** One output that can be redrawn in place (an `update_display_data` on the same display_id). */
export interface LiveDisplay {
  /** Replaces the output's content. */
  update(bundle: MimeBundle): void;
}

/**
 * While a cell runs, the kernel puts a factory under this symbol on `globalThis`, so that
 * long operations deep in a library (a fit, a job wait) can show live progress without
 * importing the kernel. Outside a kernel it is absent and libraries stay quiet.
 */
export const LIVE_DISPLAY: unique symbol = Symbol.for("hpcfit.liveDisplay") as never;

/** The factory found under {@link LIVE_DISPLAY}: shows `bundle` now and returns its handle. */
export type LiveDisplayFactory = (bundle: MimeBundle) => LiveDisplay;

/** The kernel's live-display factory when running inside a cell, else undefined. */
export function liveDisplay(): LiveDisplayFactory | undefined {
  return (globalThis as Record<symbol, unknown>)[LIVE_DISPLAY] as LiveDisplayFactory | undefined;
}

/**
 * A value with a method under this symbol is told the name of the notebook variable it is first
 * declared as (`const peak = new Curve(...)` tells the model "peak"), so that it can title its
 * plots and reports by it when the user gave it no name. The kernel calls it; outside a kernel
 * nothing does.
 */
export const VARIABLE_NAME: unique symbol = Symbol.for("hpcfit.variableName") as never;

/** A value that wants to know its variable's name (see {@link VARIABLE_NAME}). */
export interface VariableNamed {
  [VARIABLE_NAME](name: string): void;
}

/**
 * Tells `value` that it was declared as `name`, when it asks (see {@link VARIABLE_NAME}). Never
 * throws: a user's own method under the symbol that fails is ignored.
 */
export function tellVariableName(value: unknown, name: string): void {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return;
  try {
    const method = (value as Partial<VariableNamed>)[VARIABLE_NAME];
    if (typeof method === "function") method.call(value, name);
  } catch {
    // A name is a courtesy: nothing the value does with it may break the cell.
  }
}

const LIVE_DISPLAY_IDS: unique symbol = Symbol.for("hpcfit.liveDisplayIds") as never;

/**
 * Notes that `value` is on screen as the live display `displayId` (kept up to date until it stops
 * changing): a cell whose value it is then shows no second, frozen copy of it as its result.
 */
export function markShownLive(value: object, displayId: string): void {
  const holder = value as { [LIVE_DISPLAY_IDS]?: string[] };
  if (holder[LIVE_DISPLAY_IDS]) holder[LIVE_DISPLAY_IDS].push(displayId);
  else Object.defineProperty(value, LIVE_DISPLAY_IDS, { value: [displayId], enumerable: false });
}

/** The ids of the live displays `value` is shown in (see {@link markShownLive}). */
export function liveDisplayIdsOf(value: unknown): readonly string[] {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return [];
  return (value as { [LIVE_DISPLAY_IDS]?: string[] })[LIVE_DISPLAY_IDS] ?? [];
}
