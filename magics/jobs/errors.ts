/** A user-facing failure of the jobs layer: short and specific, shown without a stack trace. */
export class JobsError extends Error {
  override readonly name = "JobsError";
}
