/**
 * The binary frames of the ZeroMQ evaluation protocol (`fit/node/zmq-evaluator.ts` and
 * `fit/node/zmq-worker.ts`): a slice's number (and a `curves` request's width) as 4 little-endian
 * bytes and the time a worker took over a slice as a double, read and written without JSON on
 * every message, and the kinds of request.
 */

/** What the sampler asks of a worker for a slice of points: nllf values, residual vectors, or band curves. */
export type RequestKind = "eval" | "resid" | "curves";

/** The frame holding `tag` (an unsigned 32-bit integer: a slice's number, or a width). */
export function encodeTag(tag: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(tag >>> 0, 0);
  return b;
}

/** The tag in `frame`, or undefined when the frame is not a tag. */
export function decodeTag(frame: Buffer): number | undefined {
  return frame.byteLength === 4 ? frame.readUInt32LE(0) : undefined;
}

/** The frame holding a duration in milliseconds (a little-endian double). */
export function encodeMs(ms: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeDoubleLE(ms, 0);
  return b;
}

/** The duration in `frame`, or undefined when the frame is not one (absent, another size, not finite or negative). */
export function decodeMs(frame: Buffer | undefined): number | undefined {
  if (frame === undefined || frame.byteLength !== 8) return undefined;
  const ms = frame.readDoubleLE(0);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}
