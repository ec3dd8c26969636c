import { type MagicContext } from "../../kernel/magics/types.js";
import { shellQuote } from "../../util/shell.js";
import { UserError } from "../../util/user-error.js";

const PLACEHOLDER = /\{\{\s*([A-Za-z_$][\w$]*)\s*(?:\|\s*([A-Za-z]*)\s*)?\}\}/g;

/**
 * Replaces `{{name}}` in a `%%sbatch` cell or an `%sbatch` line by the notebook variable `name`
 * (strings as they are, other values as JSON), quoted for the shell so that it is one word and
 * nothing in it runs: `$(...)`, backquotes, `;` and spaces in a value stay text. `{{name|raw}}`
 * inserts the value unquoted, for a value that is meant to be shell code. An unknown name or
 * filter is an error; nothing else is touched, so `${VAR}` and `$1` remain bash's.
 * @param where `%%sbatch` or `%sbatch`, for messages
 */
export function fillTemplate(text: string, context: MagicContext, where = "%%sbatch"): string {
  return text.replace(PLACEHOLDER, (_all, name: string, filter: string | undefined) => {
    if (filter !== undefined && filter !== "raw")
      throw new UserError(`${where}: {{${name}|${filter}}}: unknown filter "${filter}" (the only one is raw)`);
    if (!context.hasVariable(name)) throw new UserError(`${where}: {{${name}}} names no variable of this notebook`);
    const value = context.getVariable(name);
    if (value === undefined) throw new UserError(`${where}: {{${name}}} is undefined`);
    const text =
      typeof value === "string"
        ? value
        : typeof value === "number" || typeof value === "boolean" || typeof value === "bigint"
          ? String(value)
          : JSON.stringify(value);
    return filter === "raw" ? text : shellQuote(text);
  });
}
