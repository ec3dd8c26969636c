/**
 * `is_complete`: whether a console should run the text or wait for more lines. The transpiler and
 * the parser decide; an error at the very end of the text (unclosed bracket, unterminated
 * template, dangling operator) means "incomplete", an error before the end means "invalid".
 */
import { CellSyntaxError, parseCell, transpile } from "./cell-compiler.js";
import { rewriteMagics } from "./magic-syntax.js";
import { scanSource } from "./source-scan.js";
import type { CompletenessVerdict } from "./types.js";

/** Decides whether `code` is a complete cell. */
export function checkCompleteness(code: string): CompletenessVerdict {
  if (code.trim() === "") return { status: "complete" };
  const plan = rewriteMagics(code);
  if (plan.kind === "cell-magic") {
    // A cell magic's body is free text: it ends with an empty line, as in IPython's console.
    return /\n[ \t]*\n\s*$/.test(code) ? { status: "complete" } : { status: "incomplete", indent: "" };
  }
  let js: string;
  try {
    js = transpile(plan.code);
  } catch (error) {
    return verdictFor(error, plan.code);
  }
  try {
    parseCell(js);
  } catch (error) {
    return verdictFor(error, js);
  }
  return { status: "complete" };
}

function verdictFor(error: unknown, text: string): CompletenessVerdict {
  if (!(error instanceof CellSyntaxError)) return { status: "unknown" };
  const scan = scanSource(text);
  const end = text.trimEnd().length;
  const open = scan.inTemplate || scan.inBlockComment || scan.openBrackets.length > 0;
  // The parser ran out of text (`x =`), or stumbled on the last line inside an open bracket or
  // literal (a half-typed line): more lines may fix it. An error further up will not go away.
  const waiting = error.offset >= end || (open && lineOf(text, error.offset) === lineOf(text, end));
  if (!waiting) return { status: "invalid" };
  return { status: "incomplete", indent: "  ".repeat(scan.openBrackets.length) };
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split("\n").length;
}
