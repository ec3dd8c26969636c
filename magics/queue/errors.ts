/** A user error from the task queue (unknown queue, bad task, cycle, ...): shown without a stack trace. */
export class QueueError extends Error {
  override readonly name = "QueueError";
}
