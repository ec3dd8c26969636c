/**
 * A light lexical scan of cell text: where lines start inside a comment, string or template
 * literal, and which brackets are still open at the end. It is deliberately not a parser: magic
 * rewriting must happen before the TypeScript transpiler sees the text (a `%` line is not
 * TypeScript), and `is_complete` needs bracket depth even when the text does not parse yet.
 */

/** What the scan found about a piece of cell text. */
export interface ScanResult {
  /** For each line (0-based), true when the line starts inside a block comment or template literal. */
  lineStartsInsideLiteral: boolean[];
  /**
   * For each line (0-based), true when the innermost bracket open at the line's start is `(` or
   * `[`: the line continues an expression (a block's `{` does not count).
   */
  lineStartsInsideExpression: boolean[];
  /** Brackets (`(`, `[`, `{`) still open at the end, outermost first. */
  openBrackets: string[];
  /** True when the text ends inside a template literal. */
  inTemplate: boolean;
  /** True when the text ends inside a block comment. */
  inBlockComment: boolean;
}

const CLOSERS: Record<string, string> = { ")": "(", "]": "[", "}": "{" };

/**
 * Scans `text`. Regular expression literals are not recognised (a `/` is a division), which can
 * only make a `'` or `` ` `` inside a regex look like a string start; the scan is used for
 * heuristics (magic lines, indentation) where that imprecision is acceptable.
 */
export function scanSource(text: string): ScanResult {
  const lineStartsInsideLiteral: boolean[] = [false];
  const lineStartsInsideExpression: boolean[] = [false];
  // A stack of contexts: "code" entries carry brackets; "template" means inside `...`.
  const stack: Array<{ kind: "code"; brackets: string[] } | { kind: "template" }> = [{ kind: "code", brackets: [] }];
  let inBlockComment = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i];
    if (ch === "\n") {
      const top = stack[stack.length - 1];
      lineStartsInsideLiteral.push(inBlockComment || top.kind === "template");
      const innermost = top.kind === "code" ? top.brackets[top.brackets.length - 1] : undefined;
      lineStartsInsideExpression.push(innermost === "(" || innermost === "[");
      i++;
      continue;
    }
    if (inBlockComment) {
      if (ch === "*" && text[i + 1] === "/") {
        inBlockComment = false;
        i += 2;
      } else i++;
      continue;
    }
    const top = stack[stack.length - 1];
    if (top.kind === "template") {
      if (ch === "\\") i += 2;
      else if (ch === "`") {
        stack.pop();
        i++;
      } else if (ch === "$" && text[i + 1] === "{") {
        stack.push({ kind: "code", brackets: ["${"] });
        i += 2;
      } else i++;
      continue;
    }
    if (ch === "/" && text[i + 1] === "/") {
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    if (ch === "/" && text[i + 1] === "*") {
      inBlockComment = true;
      i += 2;
      continue;
    }
    if (ch === "'" || ch === '"') {
      i++;
      while (i < n && text[i] !== ch && text[i] !== "\n") i += text[i] === "\\" ? 2 : 1;
      i++;
      continue;
    }
    if (ch === "`") {
      stack.push({ kind: "template" });
      i++;
      continue;
    }
    if (ch === "(" || ch === "[" || ch === "{") top.brackets.push(ch);
    else if (ch === ")" || ch === "]" || ch === "}") {
      const last = top.brackets[top.brackets.length - 1];
      if (ch === "}" && last === "${") {
        stack.pop();
      } else if (last === CLOSERS[ch]) top.brackets.pop();
    }
    i++;
  }
  const openBrackets: string[] = [];
  let inTemplate = false;
  for (const entry of stack) {
    if (entry.kind === "code") openBrackets.push(...entry.brackets.filter((b) => b !== "${"));
    else inTemplate = true;
  }
  return { lineStartsInsideLiteral, lineStartsInsideExpression, openBrackets, inTemplate, inBlockComment };
}
