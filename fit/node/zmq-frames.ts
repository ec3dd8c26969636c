/**
 * The binary tag frame of the ZeroMQ evaluation protocol (`fit/node/zmq-evaluator.ts` and
 * `fit/node/zmq-worker.ts`): a slice's number as 4 little-endian bytes, read and written without
 * JSON on every message.
 */

/** The frame holding `tag` (an unsigned 32-bit integer). */
export function encodeTag(tag: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(tag >>> 0, 0);
  return b;
}

/** The tag in `frame`, or undefined when the frame is not a tag. */
export function decodeTag(frame: Buffer): number | undefined {
  return frame.byteLength === 4 ? frame.readUInt32LE(0) : undefined;
}
