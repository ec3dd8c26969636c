/**
 * A notebook's parameters as a form edits them: each declared parameter with the kind of input
 * its type calls for, and the typing of what was typed (one value, or a sweep's list or range),
 * with a message that says what is wrong with a value.
 */
import { parse as parseYaml } from "yaml";
import type { NotebookParameterField, NotebookParameterKind } from "../schema/notebook-jobs.js";
import { UserError } from "../util/user-error.js";
import type { Notebook } from "./notebook.js";
import { declaredParameters, findTagged } from "./parameters.js";

/** The most runs one sweep may make: more is nearly always a typo in a range. */
export const MAX_SWEEP_RUNS = 1000;

const STRING_UNION = /^\s*("[^"]*"|'[^']*')(\s*\|\s*("[^"]*"|'[^']*'))+\s*$/;

function kindOf(type: string): { kind: NotebookParameterKind; values?: string[] } {
  const t = type.trim();
  if (t === "number") return { kind: "number" };
  if (t === "string") return { kind: "string" };
  if (t === "boolean") return { kind: "boolean" };
  if (STRING_UNION.test(t)) return { kind: "choice", values: t.split("|").map((v) => v.trim().slice(1, -1)) };
  return { kind: "json" };
}

/** The parameters of `nb`'s `parameters` cell as form fields; null when it has no such cell. */
export function parameterFields(nb: Notebook): NotebookParameterField[] | null {
  const at = findTagged(nb, "parameters");
  if (at < 0) return null;
  return declaredParameters(nb.cells[at]).map((p) => ({
    name: p.name,
    type: p.type,
    ...kindOf(p.type),
    defaultSource: p.defaultValue,
    help: p.help,
  }));
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The value `text` stands for in `field`.
 * @throws UserError saying what the field expects
 */
export function typeParameterText(field: NotebookParameterField, text: string): unknown {
  const t = text.trim();
  switch (field.kind) {
    case "number":
      if (!NUMBER.test(t)) throw new UserError(`${field.name} is a number; "${text}" is not one`);
      return Number(t);
    case "boolean":
      if (!/^(true|false)$/i.test(t)) throw new UserError(`${field.name} is true or false, not "${text}"`);
      return t.toLowerCase() === "true";
    case "choice":
      if (!(field.values ?? []).includes(t))
        throw new UserError(`${field.name} is one of ${(field.values ?? []).map((v) => `"${v}"`).join(", ")}, not "${text}"`);
      return t;
    case "string":
      return text;
    case "json":
      try {
        return parseYaml(t) as unknown;
      } catch (error) {
        throw new UserError(`${field.name} (${field.type}): "${text}" is not a JSON or YAML value: ${(error as Error).message}`);
      }
  }
}

/** Rounds away the binary noise of `start + i * step` (0.30000000000000004). */
function tidy(x: number): number {
  return Number(x.toPrecision(12));
}

/**
 * The values of a swept parameter: a range `start:stop` or `start:stop:step` (numbers, stop
 * included) or a comma-separated list (for `json` parameters, a YAML or JSON list).
 * @throws UserError for a bad value, an empty or backwards range, or more than {@link MAX_SWEEP_RUNS} values
 */
export function sweepValues(field: NotebookParameterField, text: string): unknown[] {
  const t = text.trim();
  if (t === "") throw new UserError(`the sweep over ${field.name} has no values`);
  const range = /^([^:,]+):([^:,]+)(?::([^:,]+))?$/.exec(t);
  if (field.kind === "number" && range) {
    const [start, stop, step] = [range[1], range[2], range[3] ?? "1"].map((v) => {
      if (!NUMBER.test(v.trim())) throw new UserError(`the range ${t} of ${field.name} has "${v.trim()}", which is not a number`);
      return Number(v);
    });
    if (!(step > 0)) throw new UserError(`the range ${t} of ${field.name} needs a positive step`);
    if (stop < start)
      throw new UserError(`the range ${t} of ${field.name} goes backwards (stop ${stop} is below start ${start})`);
    const count = Math.floor((stop - start) / step + 1e-9) + 1;
    if (count > MAX_SWEEP_RUNS)
      throw new UserError(`the range ${t} of ${field.name} has ${count} values; a sweep may have ${MAX_SWEEP_RUNS} runs`);
    return Array.from({ length: count }, (_, i) => tidy(start + i * step));
  }
  if (field.kind === "json") {
    const value = typeParameterText(field, t);
    if (!Array.isArray(value) || value.length === 0)
      throw new UserError(
        `the sweep over ${field.name} (${field.type}) needs a YAML or JSON list of values, e.g. [[1, 2], [3, 4]]`,
      );
    return value;
  }
  const words = t
    .split(",")
    .map((w) => w.trim())
    .filter((w) => w !== "");
  if (words.length === 0) throw new UserError(`the sweep over ${field.name} has no values`);
  return words.map((w) => typeParameterText(field, w));
}
