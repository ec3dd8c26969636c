/**
 * The display API every cell sees as globals: `display(value)`, `display.html(...)` and friends,
 * `display.clear()`, handles that update an earlier output, the live-display factory libraries
 * find under `Symbol.for("hpcfit.liveDisplay")`, and `input()` / `input.password()`.
 */
import { randomUUID } from "node:crypto";
import type { LiveDisplay, LiveDisplayFactory, MimeBundle } from "../../schema/display.js";
import type { OutputSink } from "./types.js";
import { bundleOf, inspectValue } from "./value-format.js";

/** Options of every `display*` call. */
export interface DisplayOptions {
  /** Reuse this display id (to update the output later from elsewhere); a fresh one by default. */
  displayId?: string;
  /** Metadata sent with the output (e.g. image size). */
  metadata?: Record<string, unknown>;
}

/** A shown output that can be redrawn in place. */
export interface DisplayHandle {
  /** The `display_id` of the output. */
  readonly displayId: string;
  /** Redraws the output with a new value (of the same kind as the original call). */
  update(value: unknown): void;
}

/** `display` as cells see it. */
export interface DisplayFunction {
  (value: unknown, options?: DisplayOptions): DisplayHandle;
  /** Shows HTML. */
  html(html: string, options?: DisplayOptions): DisplayHandle;
  /** Shows Markdown. */
  markdown(markdown: string, options?: DisplayOptions): DisplayHandle;
  /** Shows an SVG image (its XML text). */
  svg(svg: string, options?: DisplayOptions): DisplayHandle;
  /** Shows a PNG image (bytes, or a base64 string). */
  png(png: Uint8Array | string, options?: DisplayOptions): DisplayHandle;
  /** Shows a JSON-able value in the frontend's JSON viewer. */
  json(value: unknown, options?: DisplayOptions): DisplayHandle;
  /** Shows LaTeX (e.g. `$$x^2$$`). */
  latex(latex: string, options?: DisplayOptions): DisplayHandle;
  /** Shows a MIME bundle as given. */
  mime(bundle: MimeBundle, options?: DisplayOptions): DisplayHandle;
  /** Clears the cell's output; with `wait`, when the next output arrives. */
  clear(wait?: boolean): void;
}

/** `input` as cells see it. */
export interface InputFunction {
  (prompt?: string): Promise<string>;
  /** Asks for a password (the frontend hides what is typed). */
  password(prompt?: string): Promise<string>;
}

/** Where the display API sends things; supplied by the interpreter. */
export interface DisplayTarget {
  /** The sink of the running cell (or of the last one, for late updates). */
  sink(): OutputSink | undefined;
  /** Whether the running request allows stdin. */
  allowStdin(): boolean;
}

function stripTags(html: string): string {
  const text = html
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > 200 ? text.slice(0, 197) + "..." : text;
}

const bundlers = {
  value: (v: unknown): MimeBundle => bundleOf(v, { rawStrings: true }),
  html: (v: unknown): MimeBundle => ({ "text/html": String(v), "text/plain": stripTags(String(v)) || "<HTML>" }),
  markdown: (v: unknown): MimeBundle => ({ "text/markdown": String(v), "text/plain": String(v) }),
  svg: (v: unknown): MimeBundle => ({ "image/svg+xml": String(v), "text/plain": "<SVG image>" }),
  png: (v: unknown): MimeBundle => ({
    "image/png": typeof v === "string" ? v : Buffer.from(v as Uint8Array).toString("base64"),
    "text/plain": "<PNG image>",
  }),
  json: (v: unknown): MimeBundle => ({
    "application/json": JSON.parse(JSON.stringify(v ?? null)) as unknown,
    "text/plain": inspectValue(v),
  }),
  latex: (v: unknown): MimeBundle => ({ "text/latex": String(v), "text/plain": String(v) }),
  mime: (v: unknown): MimeBundle => {
    if (typeof v !== "object" || v === null || Array.isArray(v))
      throw new TypeError("display.mime expects an object mapping MIME types to data");
    return v as MimeBundle;
  },
};

/** Builds the `display` global. */
export function createDisplay(target: DisplayTarget): DisplayFunction {
  const show = (make: (v: unknown) => MimeBundle, value: unknown, options: DisplayOptions = {}): DisplayHandle => {
    const displayId = options.displayId ?? randomUUID();
    const send = (v: unknown, update: boolean): void => {
      const sink = target.sink();
      if (!sink) throw new Error("display: no cell has run yet, so there is nowhere to show output");
      sink.display(make(v), { displayId, update, metadata: options.metadata });
    };
    send(value, false);
    return { displayId, update: (v: unknown) => send(v, true) };
  };
  const display = ((value: unknown, options?: DisplayOptions) => show(bundlers.value, value, options)) as DisplayFunction;
  display.html = (v, o) => show(bundlers.html, v, o);
  display.markdown = (v, o) => show(bundlers.markdown, v, o);
  display.svg = (v, o) => show(bundlers.svg, v, o);
  display.png = (v, o) => show(bundlers.png, v, o);
  display.json = (v, o) => show(bundlers.json, v, o);
  display.latex = (v, o) => show(bundlers.latex, v, o);
  display.mime = (v, o) => show(bundlers.mime, v, o);
  display.clear = (wait = false) => {
    target.sink()?.clearOutput(wait);
  };
  return display;
}

/** Builds the live-display factory that libraries find under `Symbol.for("hpcfit.liveDisplay")`. */
export function createLiveDisplayFactory(target: DisplayTarget): LiveDisplayFactory {
  return (bundle: MimeBundle): LiveDisplay => {
    const displayId = randomUUID();
    target.sink()?.display(bundle, { displayId });
    return { update: (next: MimeBundle) => target.sink()?.display(next, { displayId, update: true }) };
  };
}

/** Builds the `input` global. */
export function createInput(target: DisplayTarget): InputFunction {
  const ask = async (prompt: unknown, password: boolean): Promise<string> => {
    const sink = target.sink();
    if (!sink || !target.allowStdin()) {
      throw new Error("input() is not available: this frontend did not allow stdin for the request (allow_stdin is false)");
    }
    return sink.input(prompt === undefined ? "" : typeof prompt === "string" ? prompt : inspectValue(prompt), password);
  };
  const input = ((prompt?: string) => ask(prompt, false)) as InputFunction;
  input.password = (prompt?: string) => ask(prompt, true);
  return input;
}
