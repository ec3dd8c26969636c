/**
 * Notebook parameters with papermill's conventions: values from the command line are typed, the
 * cell tagged `parameters` holds the defaults, and a cell tagged `injected-parameters` holding
 * TypeScript declarations of the given values goes right after it.
 */
import { parse as parseYaml } from "yaml";
import { cellTags, codeCell, joinSource, type Notebook, type NotebookCell } from "./notebook.js";
import { UserError } from "../util/user-error.js";
import { readUserText } from "../util/read-text.js";

/** Parameter values: anything YAML or JSON can carry. */
export type ParameterValues = Record<string, unknown>;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Types a `-p NAME VALUE` value as papermill does: integers and floats become numbers,
 * true/false (any case) booleans, null/None null; anything else stays a string.
 */
export function typedValue(raw: string): unknown {
  const text = raw.trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text);
  if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return Number.NaN;
  if (/^true$/i.test(text)) return true;
  if (/^false$/i.test(text)) return false;
  if (/^(null|none)$/i.test(text)) return null;
  return raw;
}

/** Checks a parameter name: it becomes a TypeScript identifier in the injected cell. */
export function checkName(name: string): string {
  if (!IDENTIFIER.test(name)) throw new UserError(`parameter name "${name}" is not a valid identifier`);
  return name;
}

/** Reads a YAML mapping (from `-f FILE` or `-y TEXT`). */
export function yamlParameters(text: string, origin: string): ParameterValues {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new UserError(`${origin}: invalid YAML: ${(error as Error).message}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new UserError(`${origin}: parameters must be a YAML mapping of names to values`);
  }
  for (const name of Object.keys(value)) checkName(name);
  return value as ParameterValues;
}

/** Reads `-f params.yaml`. */
export function yamlFileParameters(path: string): ParameterValues {
  return yamlParameters(readUserText(path, `parameter file ${path}`), path);
}

/** A TypeScript literal for a parameter value. */
export function literal(value: unknown): string {
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    return Object.is(value, -0) ? "-0" : String(value);
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value === undefined) return "undefined";
  return JSON.stringify(value);
}

/** One parameter declared in a notebook's `parameters` cell. */
export interface DeclaredParameter {
  name: string;
  /** `const`, `let` or `var`. */
  kind: string;
  /** The annotated type, or one inferred from the default's literal. */
  type: string;
  /** The default's source text. */
  defaultValue: string;
  /** The comment at the end of the line, if any. */
  help: string;
}

const DECLARATION =
  /^\s*(?:export\s+)?(const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::\s*([^=]+?))?\s*=\s*(.+?)\s*;?\s*(?:\/\/\s*(.*))?$/;

function inferType(source: string): string {
  const text = source.trim();
  if (/^[+-]?(\d|\.\d)/.test(text) || /^[+-]?(Infinity|NaN)$/.test(text)) return "number";
  if (/^["'`]/.test(text)) return "string";
  if (text === "true" || text === "false") return "boolean";
  if (text === "null") return "null";
  if (text.startsWith("[")) return "array";
  if (text.startsWith("{")) return "object";
  return "unknown";
}

/** The parameters declared in a `parameters` cell, one declaration per line. */
export function declaredParameters(cell: NotebookCell): DeclaredParameter[] {
  const out: DeclaredParameter[] = [];
  for (const line of joinSource(cell.source).split("\n")) {
    const m = DECLARATION.exec(line);
    if (!m) continue;
    const [, kind, name, annotation, defaultValue, help] = m;
    out.push({ name, kind, type: annotation?.trim() || inferType(defaultValue), defaultValue, help: help?.trim() ?? "" });
  }
  return out;
}

/** Index of the cell tagged `tag`, or -1. */
export function findTagged(nb: Notebook, tag: string): number {
  return nb.cells.findIndex((cell) => cellTags(cell).includes(tag));
}

/**
 * Refuses values for names the notebook does not declare in its `parameters` cell (papermill only
 * warns, and a misspelt `-p stpes 5000` then runs with the default silently).
 * @param allowUnknown inject them anyway (`--allow-unknown`)
 * @throws UserError naming the unknown names and the declared ones
 */
export function checkParameterNames(nb: Notebook, values: ParameterValues, source: string, allowUnknown = false): void {
  const names = Object.keys(values);
  if (allowUnknown || names.length === 0) return;
  const at = findTagged(nb, "parameters");
  if (at < 0) {
    throw new UserError(
      `${source} has no cell tagged "parameters", so it declares no parameters (given: ${names.join(", ")}); ` +
        `tag the cell that holds the defaults "parameters", or pass --allow-unknown to inject the values at the top`,
    );
  }
  const declared = declaredParameters(nb.cells[at]).map((p) => p.name);
  const unknown = names.filter((n) => !declared.includes(n));
  if (unknown.length === 0) return;
  throw new UserError(
    `${source} has no parameter ${unknown.map((n) => `"${n}"`).join(", ")}; its parameters cell declares ` +
      `${declared.length ? declared.join(", ") : "none"} (pass --allow-unknown to inject ${unknown.length > 1 ? "them" : "it"} anyway)`,
  );
}

/** What {@link injectParameters} did, for the caller to report. */
export interface Injection {
  /** Index of the injected cell in the notebook. */
  index: number;
  /** A warning to show (no `parameters` cell), else undefined. */
  warning?: string;
}

/**
 * Inserts the `injected-parameters` cell right after the `parameters` cell (or at the top, with a
 * warning, when there is none), removing an earlier injected cell, and records the values in the
 * notebook's metadata. A declaration keeps the kind (`let`/`const`) of the default it overrides,
 * so a later cell may still reassign a `let` parameter.
 */
export function injectParameters(nb: Notebook, values: ParameterValues, kernelLanguage = "typescript"): Injection {
  for (const name of Object.keys(values)) checkName(name);
  const previous = findTagged(nb, "injected-parameters");
  if (previous >= 0) nb.cells.splice(previous, 1);
  const paramsIndex = findTagged(nb, "parameters");
  const kinds = new Map(
    paramsIndex >= 0 ? declaredParameters(nb.cells[paramsIndex]).map((p) => [p.name, p.kind === "var" ? "let" : p.kind]) : [],
  );
  const lines = ["// Parameters injected by hpcfit run"];
  for (const [name, value] of Object.entries(values)) {
    lines.push(
      kernelLanguage === "python"
        ? `${name} = ${pythonLiteral(value)}`
        : `${kinds.get(name) ?? "const"} ${name} = ${literal(value)};`,
    );
  }
  if (kernelLanguage === "python") lines[0] = "# Parameters injected by hpcfit run";
  const cell = codeCell(lines.join("\n"), ["injected-parameters"]);
  const index = paramsIndex >= 0 ? paramsIndex + 1 : 0;
  nb.cells.splice(index, 0, cell);
  const hpcfit = (nb.metadata.hpcfit ?? {}) as Record<string, unknown>;
  hpcfit.parameters = values;
  nb.metadata.hpcfit = hpcfit;
  return {
    index,
    warning: paramsIndex >= 0 ? undefined : 'the notebook has no cell tagged "parameters"; injected the parameters at the top',
  };
}

/** A Python literal, so that `--kernel python3` notebooks can be parameterised too. */
function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return 'float("nan")';
    if (!Number.isFinite(value)) return value > 0 ? 'float("inf")' : 'float("-inf")';
    return String(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(", ")}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`)
    .join(", ")}}`;
}

/**
 * Expands `{name}` in an output path with parameter values (papermill's templated paths);
 * `{{` and `}}` stand for literal braces. An unknown name is an error.
 */
export function expandPathTemplate(template: string, values: ParameterValues): string {
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, name: string | undefined) => {
    if (match === "{{") return "{";
    if (match === "}}") return "}";
    if (!name || !(name in values)) {
      throw new UserError(`output path ${template} names {${name ?? ""}}, which is not a parameter`);
    }
    const value = values[name];
    return typeof value === "string" ? value : literal(value);
  });
}

/** The `-p`/`-r` pairs and the `--sbatch` tail taken out of a command line, and the other words. */
export interface ParameterPairs {
  /** The words that were neither. */
  rest: string[];
  /** `-p NAME VALUE`, typed by {@link typedValue}. */
  typed: ParameterValues;
  /** `-r NAME VALUE`, kept as strings. */
  raw: ParameterValues;
  /** Everything after `--sbatch`, when it was given. */
  sbatch?: string[];
}

/**
 * Takes `-p NAME VALUE` and `-r NAME VALUE` (two values each, which option parsers cannot
 * express) and the `--sbatch` tail out of a command line (`hpcfit run`, `%run_notebook`).
 */
export function takeParameterPairs(words: string[]): ParameterPairs {
  const at = words.indexOf("--sbatch");
  const sbatch = at >= 0 ? words.slice(at + 1) : undefined;
  const head = at >= 0 ? words.slice(0, at) : words;
  const rest: string[] = [];
  const typed: ParameterValues = {};
  const raw: ParameterValues = {};
  for (let i = 0; i < head.length; i++) {
    const word = head[i];
    const isTyped = word === "-p" || word === "--parameters";
    const isRaw = word === "-r" || word === "--parameters-raw" || word === "--parameters_raw";
    if (!isTyped && !isRaw) {
      rest.push(word);
      continue;
    }
    if (head[i + 2] === undefined) throw new UserError(`${word} needs a NAME and a VALUE`);
    const name = checkName(head[i + 1]);
    if (isTyped) typed[name] = typedValue(head[i + 2]);
    else raw[name] = head[i + 2];
    i += 2;
  }
  return { rest, typed, raw, sbatch };
}
