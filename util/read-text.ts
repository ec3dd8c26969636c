/**
 * Reading a file the user named: one that cannot be read (missing, a folder, not permitted) is the
 * user's mistake, reported with what the file was for and why it could not be read.
 */
import { readFileSync } from "node:fs";
import { UserError } from "./user-error.js";

/**
 * The text of `path` (a file descriptor, `0` for standard input, is read as well); when it cannot
 * be read, a UserError "cannot read WHAT: reason", `what` naming the file as the user knows it.
 */
export function readUserText(path: string | number, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UserError(`cannot read ${what}: ${(error as Error).message}`);
  }
}
