import { type MagicContext } from "../../kernel/magics/types.js";
import { UserError } from "../../util/user-error.js";

/**
 * Replaces `{{name}}` in a `%%sbatch` cell by the notebook variable `name` (strings as they are,
 * other values as JSON). An unknown name is an error; nothing else is touched, so `${VAR}` and
 * `$1` remain bash's.
 */
export function fillTemplate(script: string, context: MagicContext): string {
  return script.replace(/\{\{\s*([A-Za-z_$][\w$]*)\s*\}\}/g, (_all, name: string) => {
    if (!context.hasVariable(name)) throw new UserError(`%%sbatch: {{${name}}} names no variable of this notebook`);
    const value = context.getVariable(name);
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
    if (value === undefined) throw new UserError(`%%sbatch: {{${name}}} is undefined`);
    return JSON.stringify(value);
  });
}
