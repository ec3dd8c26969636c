/**
 * Tab completion: magic names after `%`, members of runtime objects after `.`, and otherwise
 * the notebook's names, the names declared in the cell being edited, globals and keywords.
 */
import type { MagicRegistry } from "../magics/registry.js";
import { lookupPath, memberAccessAt, memberNames } from "./runtime-lookup.js";
import type { Completion } from "./types.js";
import { codePointsToUtf16, utf16ToCodePoints } from "./unicode-offsets.js";

/** TypeScript and JavaScript keywords offered for completion. */
export const KEYWORDS = [
  "abstract",
  "as",
  "async",
  "await",
  "break",
  "case",
  "catch",
  "class",
  "const",
  "continue",
  "debugger",
  "declare",
  "default",
  "delete",
  "do",
  "else",
  "enum",
  "export",
  "extends",
  "false",
  "finally",
  "for",
  "from",
  "function",
  "get",
  "if",
  "implements",
  "import",
  "in",
  "instanceof",
  "interface",
  "keyof",
  "let",
  "namespace",
  "new",
  "null",
  "of",
  "private",
  "protected",
  "public",
  "readonly",
  "return",
  "satisfies",
  "set",
  "static",
  "super",
  "switch",
  "this",
  "throw",
  "true",
  "try",
  "type",
  "typeof",
  "undefined",
  "var",
  "void",
  "while",
  "yield",
];

/** What completion needs from the interpreter. */
export interface CompletionContext {
  magics: MagicRegistry;
  /** The notebook's declared names. */
  declared: string[];
}

interface Candidate {
  text: string;
  type: string;
}

/**
 * Completes `code` at `cursorPos` (in Unicode code points, as Jupyter sends it). The reply's
 * `cursorStart`/`cursorEnd` are code points too.
 */
export function completeCode(code: string, cursorPos: number, context: CompletionContext): Completion {
  const cursor = codePointsToUtf16(code, cursorPos);
  const before = code.slice(0, cursor);
  const line = before.slice(before.lastIndexOf("\n") + 1);
  const reply = (start: number, candidates: Candidate[], partial: string): Completion => {
    const seen = new Set<string>();
    const chosen = candidates
      .filter((c) => c.text.startsWith(partial) && !c.text.startsWith("__hpcfit") && !seen.has(c.text) && seen.add(c.text))
      .sort((a, b) => rank(a.text) - rank(b.text) || a.text.localeCompare(b.text));
    const cursorStart = utf16ToCodePoints(code, start);
    const cursorEnd = utf16ToCodePoints(code, cursor);
    return {
      matches: chosen.map((c) => c.text),
      cursorStart,
      cursorEnd,
      metadata: {
        _jupyter_types_experimental: chosen.map((c) => ({ start: cursorStart, end: cursorEnd, text: c.text, type: c.type })),
      },
    };
  };

  const magic = /^\s*(%%?)([\w.-]*)$/.exec(line);
  if (magic) {
    const kind = magic[1] === "%%" ? "cell" : "line";
    const start = cursor - magic[1].length - magic[2].length;
    const candidates = context.magics.names(kind).map((name) => ({ text: magic[1] + name, type: "magic" }));
    return reply(start, candidates, magic[1] + magic[2]);
  }

  const member = memberAccessAt(before);
  if (member) {
    const start = cursor - member.partial.length;
    const { found, value } = lookupPath(member.path, (n) => context.declared.includes(n));
    if (!found) return reply(start, [], member.partial);
    const candidates = memberNames(value).map((m) => ({ text: m.name, type: m.kind }));
    return reply(start, candidates, member.partial);
  }

  const word = /[A-Za-z_$][\w$]*$/.exec(before);
  const partial = word ? word[0] : "";
  const start = cursor - partial.length;
  const candidates: Candidate[] = [
    ...context.declared.map((text) => ({ text, type: "instance" })),
    ...namesDeclaredIn(code).map((text) => ({ text, type: "instance" })),
    ...memberNames(globalThis).map((m) => ({ text: m.name, type: m.kind })),
    ...KEYWORDS.map((text) => ({ text, type: "keyword" })),
  ];
  return reply(start, candidates, partial);
}

/** Names the cell text itself declares (it may not run yet, so look at the text). */
function namesDeclaredIn(code: string): string[] {
  const out: string[] = [];
  const pattern = /\b(?:const|let|var|function\*?|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/g;
  for (let m = pattern.exec(code); m; m = pattern.exec(code)) out.push(m[1]);
  return out;
}

/** Public names first, then `_private`, then `__dunder`. */
function rank(name: string): number {
  return name.startsWith("__") ? 2 : name.startsWith("_") ? 1 : 0;
}
