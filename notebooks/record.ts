/**
 * `record(name, value)`: a notebook keeps a value for whoever runs it headless. The value goes out
 * as a display with its own MIME type, so it is saved in the output notebook and the sweep
 * summary collects it (papermill users know this as scrapbook's `glue`).
 */
import { liveDisplay } from "../schema/display.js";

/** The MIME type of a recorded value: `{ name, value }`. */
export const RECORD_MIME = "application/vnd.hpcfit.record+json";

function plain(value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  return value;
}

/**
 * Records `value` under `name` in the running notebook's output. The value must survive JSON
 * (typed arrays become arrays). Outside a kernel it does nothing and returns the value.
 */
export function record<T>(name: string, value: T): T {
  if (typeof name !== "string" || name === "") throw new TypeError("record(name, value): name must be a non-empty string");
  const data = plain(value);
  const json = JSON.stringify(data);
  if (json === undefined) throw new TypeError(`record("${name}", ...): the value cannot be stored as JSON`);
  liveDisplay()?.({ [RECORD_MIME]: { name, value: JSON.parse(json) as unknown }, "text/plain": `${name} = ${json}` });
  return value;
}
