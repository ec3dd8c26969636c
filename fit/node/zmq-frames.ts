/**
 * The binary frames of the ZeroMQ evaluation protocol (`fit/node/zmq-evaluator.ts` and
 * `fit/node/zmq-worker.ts`): a slice's number (and a `curves` request's width) as 4 little-endian
 * bytes, read and written without JSON on every message, and the kinds of request.
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
