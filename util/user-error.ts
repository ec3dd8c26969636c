/**
 * The one error type for a user's mistake (a bad option, an unknown queue, a missing file): its
 * message is specific enough to act on, so front doors (the CLI, the kernel's error display, the
 * magics) show it alone, without a stack trace. Library code throws it; a front door catches it
 * once, with `instanceof UserError`. Anything else is a bug and keeps its stack.
 */
const BRAND = Symbol.for("hpcfit.userError");

/** A user's mistake, shown as its message only. */
export class UserError extends Error {
  override name = "UserError";

  /** @param message what went wrong and, where it helps, what to do instead */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * True for any UserError, also one made by another loaded copy of hpcfit (a notebook may import
   * the package from its own folder while the kernel runs from its installation).
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}
