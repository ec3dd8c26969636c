/**
 * Command templates: `"fit {model} --steps {steps}"` filled from a task's parameters. `{{` and
 * `}}` are literal braces and `${...}` is left alone for the shell. Values are inserted verbatim
 * when they are plain words and single-quoted for the shell otherwise, so a parameter with a space
 * stays one argument.
 */
import type { ParamValue, TaskParams } from "./types.js";
import { UserError } from "../util/user-error.js";
import { shellQuote } from "../util/shell.js";

const PLACEHOLDER = /\{\{|\}\}|\$\{[^}]*\}|\{([^{}]*)\}/g;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** The names of the fields a template uses, in order of first use. */
export function templateFields(template: string): string[] {
  const fields: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1];
    if (name === undefined) continue;
    if (!FIELD.test(name)) {
      throw new UserError(
        `Template ${JSON.stringify(template)}: {${name}} is not a field name (use {name} or {a.b}; write {{ and }} for literal braces).`,
      );
    }
    if (!fields.includes(name)) fields.push(name);
  }
  return fields;
}

function lookup(params: TaskParams, path: string): ParamValue | undefined {
  let value: ParamValue | undefined = params;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object" || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
    value = value[part];
  }
  return value;
}

/**
 * Fills `template` from `params`. A field the parameters lack is an error naming it (and the
 * fields the parameters do have).
 */
export function expandTemplate(template: string, params: TaskParams): string {
  templateFields(template);
  return template.replace(PLACEHOLDER, (match: string, name: string | undefined) => {
    if (match === "{{") return "{";
    if (match === "}}") return "}";
    if (name === undefined) return match;
    const value = lookup(params, name);
    if (value === undefined) {
      const have = Object.keys(params);
      throw new UserError(
        `Template field {${name}} is missing from the task's parameters (it has: ${have.length ? have.join(", ") : "none"}).`,
      );
    }
    return shellQuote(typeof value === "string" ? value : JSON.stringify(value));
  });
}
