/**
 * Turns IPython-style magic syntax into something the TypeScript pipeline understands, before
 * the transpiler runs. A cell starting with `%%name args` is handed whole to the magic; a line
 * `%name args` (alone, on the right of `=`, or after `return`) becomes
 * `await __hpcfit.magic("name", "args")` on the same line, so line numbers do not move.
 */
import { scanSource } from "./source-scan.js";

/** The name of the per-cell helper object the rewritten code calls. */
export const HELPERS = "__hpcfit";

/** A cell that is one cell magic: `%%name args` followed by its body. */
export interface CellMagicCall {
  kind: "cell-magic";
  name: string;
  args: string;
  body: string;
}

/** A cell of TypeScript, with its line magics rewritten into helper calls. */
export interface CodeCell {
  kind: "code";
  code: string;
}

// `%%name?` asks for help like `%%name ?`.
const CELL_MAGIC = /^%%([A-Za-z_][\w.-]*)(?:(\?)(?=\s|$))?[ \t]*(.*)$/;
const MAGIC_NAME = "([A-Za-z_][\\w.-]*)";
const LINE_MAGIC = new RegExp(`^(\\s*)%${MAGIC_NAME}(\\??)(?=\\s|;|$)(.*)$`);
const RETURN_MAGIC = new RegExp(`^(\\s*return\\s+)%${MAGIC_NAME}(?=\\s|;|$)(.*)$`);
// The left side of an assignment or declaration: no quotes, no other `=` (so `==` is not taken).
const ASSIGN_MAGIC = new RegExp(`^([^'"\`%=]*[^'"\`%=!<>]=\\s*)%${MAGIC_NAME}(?=\\s|;|$)(.*)$`);

/** Splits a cell into a cell-magic call or TypeScript with its line magics rewritten. */
export function rewriteMagics(code: string): CellMagicCall | CodeCell {
  const firstLineStart = code.search(/\S/);
  if (firstLineStart >= 0 && code.startsWith("%%", firstLineStart)) {
    const lineEnd = code.indexOf("\n", firstLineStart);
    const head = code.slice(firstLineStart, lineEnd < 0 ? code.length : lineEnd).trimEnd();
    const match = CELL_MAGIC.exec(head);
    if (match) {
      return {
        kind: "cell-magic",
        name: match[1],
        args: match[2] ?? match[3].trim(),
        body: lineEnd < 0 ? "" : code.slice(lineEnd + 1),
      };
    }
  }
  if (!code.includes("%")) return { kind: "code", code };
  const lines = code.split("\n");
  const { lineStartsInsideLiteral, lineStartsInsideExpression } = scanSource(code);
  for (let i = 0; i < lines.length; i++) {
    // Inside `(` or `[`, a line starting with `%` continues an expression: `(a\n  %b)` is modulo.
    if (lineStartsInsideLiteral[i] || lineStartsInsideExpression[i] || !lines[i].includes("%")) continue;
    lines[i] = rewriteLine(lines[i]);
  }
  return { kind: "code", code: lines.join("\n") };
}

function rewriteLine(line: string): string {
  let match = LINE_MAGIC.exec(line);
  if (match) {
    const [, indent, name, help, rest] = match;
    if (help === "?") return `${indent}${HELPERS}.magicHelp(${JSON.stringify(name)});`;
    return `${indent}await ${call(name, rest)};`;
  }
  match = RETURN_MAGIC.exec(line) ?? ASSIGN_MAGIC.exec(line);
  if (match) {
    const [, prefix, name, rest] = match;
    return `${prefix}await ${call(name, rest)};`;
  }
  return line;
}

function call(name: string, rest: string): string {
  const args = rest.trim().replace(/;\s*$/, "").trim();
  return `${HELPERS}.magic(${JSON.stringify(name)}, ${JSON.stringify(args)})`;
}
