/**
 * Compiles one cell of TypeScript into a JavaScript function the runner can drive.
 *
 * The cell becomes the body of a generator function (or, when it has a top-level `for await`,
 * an async generator function). Top-level declarations become locals of that function, which V8
 * optimizes like any function's locals, and are published to the persistent scope (properties
 * of the global object) by small write-backs:
 * - a name no nested function refers to stays a plain local; its value is written to the
 *   global object right after its declaration and after (in a `finally`) each top-level
 *   statement that assigns it, so an exception keeps what was set;
 * - a name a nested function closes over gets an accessor on the global object, so later cells
 *   and the closures share one binding.
 * Names from earlier cells are ordinary globals. `await` at the top level becomes `yield`, so the
 * runner resumes the cell and can abandon it (running its `finally` write-backs) when an
 * interrupt comes during an await. Busy code is stopped from outside (`kernel/interrupt/`),
 * which skips `finally` blocks; the stopper first runs the cell's {@link CompiledCell.flush}.
 * `import` declarations become dynamic imports resolved from the notebook's directory, and
 * `import.meta` describes a file there; `export` keywords are dropped. Every rewrite keeps the cell's line
 * numbers, so stack traces name the lines the user wrote.
 */
import { type AnyNode, type Program, type Statement, type ModuleDeclaration } from "acorn";
import MagicString from "magic-string";
import { createRequire } from "node:module";
import { parseProgram } from "./cell-parser.js";
import { CellPositions } from "./cell-positions.js";
import { analyzeCell, patternNames, unwrapExport, varNames, type CellAnalysis } from "./scope-analysis.js";
import { HELPERS } from "./magic-syntax.js";

// Required, not imported: sucrase is CommonJS, and imported from ESM its `transform` was at times
// undefined once loaded, at random from one kernel start to the next, failing every cell.
const { transform } = createRequire(import.meta.url)("sucrase") as typeof import("sucrase");

/** A cell ready to run. */
export interface CompiledCell {
  /** JavaScript source of a function expression taking the helper object; line 2 is the cell's line 1. */
  source: string;
  /**
   * `generator`: every top-level await is a yield resumed by the runner. `async-generator`: the
   * same, but a top-level `for await` needs an async function; its own awaits stay native.
   */
  mode: "generator" | "async-generator";
  /** Names the cell declares at its top level. */
  declared: string[];
  /**
   * Statements that publish the current value of every plain local the cell has published
   * before (evaluated in the cell's frame by the interrupt stopper before it cuts the cell
   * short); empty when there is none.
   */
  flush: string;
  /** Maps a line and column of the running code (as stack traces give them) back to the cell's. */
  positions: CellPositions;
}

/** A cell that does not parse, with the 1-based line and column of the problem. */
export class CellSyntaxError extends SyntaxError {
  override readonly name = "SyntaxError";
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
    readonly sourceLine: string,
    /** Offset of the problem in the text that was being read. */
    readonly offset: number,
  ) {
    super(`${reason} (line ${line}, column ${column})`);
  }
}

/** Transpiles TypeScript to JavaScript (types removed, ES modules kept, lines kept). */
export function transpile(code: string): string {
  return transpileWithMap(code).code;
}

/** {@link transpile}, with the `mappings` of a source map from the JavaScript back to `code`. */
function transpileWithMap(code: string): { code: string; mappings: string } {
  try {
    const result = transform(code, TRANSFORM_OPTIONS);
    return { code: result.code, mappings: result.sourceMap?.mappings ?? "" };
  } catch (error) {
    const pos = (error as { pos?: unknown }).pos;
    const message = error instanceof Error ? error.message : String(error);
    const reason = message.replace(/^Error transforming [^:]*: /, "").replace(/ \(\d+:\d+\)$/, "");
    throw syntaxErrorAt(code, typeof pos === "number" ? pos : code.length, reason);
  } finally {
    // Sucrase keeps its last parse (every token of the cell, about 50 bytes per byte of source)
    // in module variables until the next one; an empty parse lets it go now.
    transform("", TRANSFORM_OPTIONS);
  }
}

const TRANSFORM_OPTIONS: Parameters<typeof transform>[1] = {
  transforms: ["typescript"],
  disableESTransforms: true,
  keepUnusedImports: true,
  filePath: "cell.ts",
  sourceMapOptions: { compiledFilename: "cell.js" },
};

/** Parses JavaScript the way cells are parsed (a module with top-level await). */
export function parseCell(js: string): Program {
  try {
    return parseProgram(js, {
      ecmaVersion: "latest",
      sourceType: "module",
      allowAwaitOutsideFunction: true,
      allowHashBang: true,
    });
  } catch (error) {
    const pos = (error as { pos?: unknown }).pos;
    const message = error instanceof Error ? error.message : String(error);
    throw syntaxErrorAt(js, typeof pos === "number" ? pos : js.length, message.replace(/ \(\d+:\d+\)$/, ""));
  }
}

/** A {@link CellSyntaxError} for offset `pos` of `text`. */
export function syntaxErrorAt(text: string, pos: number, reason: string): CellSyntaxError {
  const before = text.slice(0, pos);
  const line = before.split("\n").length;
  const lineStart = before.lastIndexOf("\n") + 1;
  const lineEnd = text.indexOf("\n", lineStart);
  return new CellSyntaxError(reason, line, pos - lineStart + 1, text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd), pos);
}

/** Compiles TypeScript cell text (magics already rewritten). Throws {@link CellSyntaxError}. */
export function compileCell(code: string): CompiledCell {
  const { code: js, mappings } = transpileWithMap(code);
  const toTypeScript = new CellPositions([mappings]);
  let program: Program;
  try {
    program = parseCell(js);
  } catch (error) {
    // Acorn reads the JavaScript; the user wrote TypeScript, whose columns differ.
    if (!(error instanceof CellSyntaxError)) throw error;
    const at = toTypeScript.toCell({ line: error.line, column: error.column });
    const lines = code.split("\n");
    const offset = lines.slice(0, at.line - 1).reduce((n, l) => n + l.length + 1, 0) + at.column - 1;
    throw new CellSyntaxError(error.reason, at.line, at.column, lines[at.line - 1] ?? "", offset);
  }
  const analysis = analyzeCell(program);
  const mode = analysis.statementsWithForAwait.size > 0 ? "async-generator" : "generator";
  const out = new MagicString(js);
  const prologue = rewrite(out, program, analysis);
  const head = mode === "generator" ? "function*" : "async function*";
  const source = `(${head} __hpcfit_cell(${HELPERS}) {"use strict";${prologue}\n${out.toString()}\n})`;
  // One segment per edit and per line is enough: text between segments is copied unchanged, and
  // a position there maps by its distance from the segment before it (see cell-positions.ts).
  const positions = new CellPositions([out.generateMap({ hires: false }).mappings, mappings]);
  return { source, mode, declared: [...analysis.bindings.keys()], flush: flushSource(analysis), positions };
}

function rewrite(out: MagicString, program: Program, analysis: CellAnalysis): string {
  const { bindings, writes } = analysis;
  const wait = "yield";
  const publish = (name: string): string => {
    const b = bindings.get(name);
    if (!b) return "";
    if (!b.captured) return `${HELPERS}.def(${JSON.stringify(name)}, ${name});`;
    return `${HELPERS}.acc(${JSON.stringify(name)}, () => ${name}, (__v) => { ${name} = __v; });`;
  };
  // Function declarations are hoisted: publish them before anything runs.
  let prologue = "";
  for (const b of bindings.values()) if (b.kind === "function") prologue += publish(b.name);

  const body = program.body;
  let last = body.length - 1;
  while (last >= 0 && body[last].type === "EmptyStatement") last--;

  // Opening edits first, then closing edits from the innermost out (magic-string keeps the
  // order of insertions at one position).
  const closers: Array<() => void> = [];
  body.forEach((statement, index) => {
    const inner = unwrapExport(statement);
    const result = index === last && inner !== undefined ? resultRange(statement, inner, out.original) : undefined;
    stripExport(out, statement, inner, result !== undefined);
    if (inner?.type === "ImportDeclaration") {
      rewriteImport(out, statement, inner, index, wait);
      const names = inner.specifiers.map((s) => s.local.name);
      closers.push(() => out.appendLeft(statement.end, names.map(publish).join("")));
      return;
    }
    const declared = declaredBy(inner);
    const assigned = [...(writes.get(index) ?? [])].filter((name) => {
      const b = bindings.get(name);
      if (!b || b.captured || declared.includes(name)) return false;
      // A `let`/`const`/`class` declared further down is still in its temporal dead zone here.
      return b.kind === "var" || b.kind === "function" || b.statement < index;
    });
    const isDeclaration = inner !== undefined && isDeclarationNode(inner);
    const wrap = !isDeclaration && assigned.length + declared.filter((n) => !bindings.get(n)?.captured).length > 0;
    if (wrap) out.appendLeft(statement.start, "try {");
    if (result) out.appendLeft(result.start, "return (");
    closers.push(() => {
      if (result) out.appendLeft(result.end, ");");
      const names = [...declared.filter((n) => bindings.get(n)?.kind !== "function"), ...assigned];
      if (wrap) out.appendLeft(statement.end, ` } finally {${names.map(publish).join("")}}`);
      else if (names.length > 0) out.appendLeft(statement.end, `;${names.map(publish).join("")}`);
    });
  });

  // Top-level awaits, innermost first so their closing parentheses nest correctly.
  const awaits = [...analysis.topLevelAwaits].sort((a, b) => a.end - b.end || b.start - a.start);
  for (const node of awaits) {
    out.overwrite(node.start, node.start + "await".length, "(yield");
    out.appendLeft(node.end, ")");
  }
  for (const node of analysis.importExpressions) {
    out.overwrite(node.start, node.start + "import".length, `${HELPERS}.import`);
  }
  for (const node of analysis.importMetas) out.overwrite(node.start, node.end, `${HELPERS}.importMeta`);
  for (const close of closers) close();
  // After a `for await` (whose awaits are native), hand control back to the runner so what
  // follows runs under breakOnSigint again.
  for (const index of analysis.statementsWithForAwait) {
    if (index !== last) out.appendLeft(body[index].end, ";yield;");
  }
  return prologue;
}

/**
 * A name is flushed only once its declaration has run (`published`) and only when it reads as
 * something other than `undefined`: in the debugger, a `let` still in its temporal dead zone and a
 * local that optimized code no longer keeps (it is not read again) both read as `undefined`, and
 * must not overwrite the value published before. Names a closure captures are published as live
 * accessors and need no flush.
 */
function flushSource(analysis: CellAnalysis): string {
  return [...analysis.bindings.values()]
    .filter((b) => !b.captured)
    .map((b) => {
      const name = JSON.stringify(b.name);
      return `try { if (${HELPERS}.published(${name}) && ${b.name} !== undefined) ${HELPERS}.def(${name}, ${b.name}); } catch {}`;
    })
    .join("\n");
}

/** Names a top-level statement declares (lexical names directly, `var` names anywhere inside). */
function declaredBy(inner: AnyNode | undefined): string[] {
  if (!inner) return [];
  const names = varNames(inner);
  if (inner.type === "VariableDeclaration" && inner.kind !== "var") {
    for (const d of inner.declarations) names.push(...patternNames(d.id));
  } else if ((inner.type === "ClassDeclaration" || inner.type === "FunctionDeclaration") && inner.id) {
    names.push(inner.id.name);
  }
  return names;
}

function isDeclarationNode(node: AnyNode): boolean {
  return node.type === "VariableDeclaration" || node.type === "ClassDeclaration" || node.type === "FunctionDeclaration";
}

/**
 * The source range whose value is the cell's result, when the last statement is an expression
 * (or `export default` of one): the whole statement less its semicolon, since parentheses
 * around an expression (`({ a: 1 })`) lie outside the expression's node.
 */
function resultRange(
  statement: Statement | ModuleDeclaration,
  inner: AnyNode,
  source: string,
): { start: number; end: number } | undefined {
  const isValue =
    inner.type === "ExpressionStatement" ||
    isExpression(inner) ||
    ((inner.type === "FunctionDeclaration" || inner.type === "ClassDeclaration") && !inner.id);
  if (!isValue) return undefined;
  const end = source[statement.end - 1] === ";" ? statement.end - 1 : statement.end;
  return { start: statement.start, end };
}

function isExpression(node: AnyNode): boolean {
  return !/Statement$|Declaration$/.test(node.type);
}

function stripExport(
  out: MagicString,
  statement: Statement | ModuleDeclaration,
  inner: AnyNode | undefined,
  isResult: boolean,
): void {
  if (statement.type === "ExportNamedDeclaration" || statement.type === "ExportDefaultDeclaration") {
    if (inner) {
      const anonymous = (inner.type === "FunctionDeclaration" || inner.type === "ClassDeclaration") && !inner.id;
      // Only the keywords go: `export default ({ a: 1 })` keeps its parentheses.
      const keywords = /^export\s+(?:default\b\s*)?/.exec(out.original.slice(statement.start))?.[0].length ?? 0;
      const prefixEnd = statement.start + keywords;
      if (!isResult && (anonymous || (statement.type === "ExportDefaultDeclaration" && isExpression(inner)))) {
        // An anonymous `export default function () {}` or `export default {...}` is an expression.
        out.overwrite(statement.start, prefixEnd, "(");
        out.appendLeft(statement.end, ")");
      } else if (prefixEnd > statement.start) out.remove(statement.start, prefixEnd);
      return;
    }
    replaceKeepingLines(out, statement.start, statement.end, ";");
  } else if (statement.type === "ExportAllDeclaration") {
    replaceKeepingLines(out, statement.start, statement.end, ";");
  }
}

function rewriteImport(
  out: MagicString,
  statement: Statement | ModuleDeclaration,
  node: Extract<AnyNode, { type: "ImportDeclaration" }>,
  index: number,
  wait: string,
): void {
  const load = `(${wait} ${HELPERS}.import(${JSON.stringify(String(node.source.value))}))`;
  if (node.specifiers.length === 0) {
    replaceKeepingLines(out, statement.start, statement.end, `${load};`);
    return;
  }
  const module = `__hpcfit_module${index}`;
  const parts = [`${module} = ${load}`];
  for (const s of node.specifiers) {
    if (s.type === "ImportNamespaceSpecifier") parts.push(`${s.local.name} = ${module}`);
    else if (s.type === "ImportDefaultSpecifier") parts.push(`${s.local.name} = ${HELPERS}.defaultExport(${module})`);
    else {
      const imported = s.imported.type === "Identifier" ? s.imported.name : String(s.imported.value);
      parts.push(
        `${s.local.name} = ${HELPERS}.namedExport(${module}, ${JSON.stringify(imported)}, ${JSON.stringify(String(node.source.value))})`,
      );
    }
  }
  replaceKeepingLines(out, statement.start, statement.end, `const ${parts.join(", ")};`);
}

/** Replaces a range, keeping as many line breaks as it had so later lines do not move. */
function replaceKeepingLines(out: MagicString, start: number, end: number, text: string): void {
  const breaks = out.original.slice(start, end).split("\n").length - 1;
  out.overwrite(start, end, text + "\n".repeat(breaks));
}
