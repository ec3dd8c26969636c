/**
 * Shift-Tab inspection: for the name under the cursor, its type, a summary of its value, a
 * function's signature (from its source) or a class's declaration, and documentation where we
 * have it (magics' usage, hpcfit's own exports). Detail level 1 adds a function's full source.
 */
import type { MagicRegistry } from "../magics/registry.js";
import { packageDocumentation } from "./package-docs.js";
import { lookupPath, safeSource } from "./runtime-lookup.js";
import type { Inspection } from "./types.js";
import { codePointsToUtf16 } from "./unicode-offsets.js";
import { inspectValue } from "./value-format.js";

/** What inspection needs from the interpreter. */
export interface InspectionContext {
  magics: MagicRegistry;
  isNotebookName?: (name: string) => boolean;
}

const NOT_FOUND: Inspection = { found: false, data: {}, metadata: {} };

/** Inspects the expression at `cursorPos` (Unicode code points) of `code`. */
export function inspectCode(code: string, cursorPos: number, detailLevel: 0 | 1, context: InspectionContext): Inspection {
  const cursor = codePointsToUtf16(code, cursorPos);
  const left = /[%\w$.]*$/.exec(code.slice(0, cursor))?.[0] ?? "";
  const right = /^[\w$]*/.exec(code.slice(cursor))?.[0] ?? "";
  const token = (left + right).replace(/^\.+|\.+$/g, "");
  if (!token) return NOT_FOUND;

  const magicMatch = /^(%%?)([\w.-]+)$/.exec(token);
  if (magicMatch) {
    const magic = context.magics.get(magicMatch[2]);
    if (!magic) return NOT_FOUND;
    const text = [`${magicMatch[1]}${magic.name} (${magic.kind} magic)`, magic.summary, magic.usage ?? ""]
      .filter(Boolean)
      .join("\n\n");
    return { found: true, data: { "text/plain": text }, metadata: {} };
  }

  const path = token.replace(/^%+/, "").split(".");
  if (path.some((p) => !/^[A-Za-z_$][\w$]*$/.test(p))) return NOT_FOUND;
  const { found, value } = lookupPath(path, context.isNotebookName ?? (() => true));
  if (!found) return NOT_FOUND;
  return { found: true, data: { "text/plain": describe(token, value, detailLevel) }, metadata: {} };
}

function describe(name: string, value: unknown, detailLevel: 0 | 1): string {
  const lines: string[] = [];
  if (typeof value === "function") {
    const source = safeSource(value);
    const isClass = /^class\b/.test(source);
    lines.push(`Type: ${isClass ? "class" : "function"}`);
    if (isClass) lines.push(`Class: ${source.slice(0, source.indexOf("{")).trim() || `class ${value.name}`}`);
    else lines.push(`Signature: ${signatureOf(value as (...args: unknown[]) => unknown, source)}`);
    const proto = (value as { prototype?: unknown }).prototype;
    if (isClass && proto && typeof proto === "object") {
      const methods = Object.getOwnPropertyNames(proto).filter((m) => m !== "constructor");
      if (methods.length) lines.push(`Methods: ${methods.join(", ")}`);
    }
    const docs = value.name ? packageDocumentation(value.name) : undefined;
    if (docs) lines.push("Documentation:", docs);
    if (detailLevel === 1 && source && !source.includes("[native code]")) lines.push("Source:", source);
  } else {
    const type =
      value === null
        ? "null"
        : Array.isArray(value)
          ? "Array"
          : typeof value === "object"
            ? (value.constructor?.name ?? "Object")
            : typeof value;
    lines.push(`Type: ${type}`);
    if (Array.isArray(value) || ArrayBuffer.isView(value)) lines.push(`Length: ${(value as { length: number }).length}`);
    lines.push(`Value: ${inspectValue(value)}`);
  }
  return [name, ...lines].join("\n");
}

/** `name(a, b = 1)` from a function's source: everything up to its body. */
function signatureOf(fn: (...args: unknown[]) => unknown, source: string): string {
  if (!source || source.includes("[native code]"))
    return `${fn.name || "anonymous"}(${fn.length ? `${fn.length} argument${fn.length > 1 ? "s" : ""}` : ""})`;
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === "(" || ch === "[") depth++;
    else if (ch === ")" || ch === "]") depth--;
    else if (depth === 0 && (ch === "{" || source.startsWith("=>", i))) {
      return source.slice(0, i).replace(/\s+/g, " ").trim() + (ch === "{" ? "" : " => ...");
    }
  }
  return source.split("\n", 1)[0];
}
