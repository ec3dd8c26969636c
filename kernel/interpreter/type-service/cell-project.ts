/**
 * The notebook as a TypeScript project: every cell that ran is a module file, and the cell being
 * edited is one more. A cell imports, from the latest earlier cell that declared it, each name it
 * uses but does not declare itself, and re-exports all its own top-level names; so a name
 * redeclared in a later cell (which the interpreter allows) shadows the old one instead of
 * clashing with it, and every name has the type of its latest declaration.
 */
import ts from "typescript";
import { join } from "node:path";
import { rewriteMagics } from "../magic-syntax.js";

/** The identifier a line magic's call is replaced with: declared `any` in the cells' ambient file. */
export const MAGIC_PLACEHOLDER = "_$";

/** One file of the virtual project. */
export interface CellFile {
  /** Absolute path (in the notebook's directory, so imports resolve from there). */
  readonly path: string;
  /** The whole file: prelude line, the cell, the export line. */
  readonly text: string;
  /** Where the cell's own text starts in {@link text} (UTF-16 offset). */
  readonly offset: number;
  /** The cell's own length (UTF-16). */
  readonly length: number;
  /** Bumped whenever {@link text} changes, for the language service's incremental updates. */
  readonly version: number;
  /** Names this cell takes from earlier cells (imports that are not its own declarations). */
  readonly imported: ReadonlySet<string>;
}

/** The cell text with magics blanked: TypeScript of the same length and the same lines. */
export function blankMagics(code: string): string {
  const plan = rewriteMagics(code);
  // A cell magic's body is not TypeScript.
  if (plan.kind === "cell-magic") return code.replace(/[^\n]/g, " ");
  if (plan.code === code) return code;
  const before = code.split("\n");
  const after = plan.code.split("\n");
  return before
    .map((line, i) => {
      if (after[i] === line) return line;
      // The magic is the first `%` of a rewritten line (see magic-syntax.ts) and runs to its end.
      const at = line.indexOf("%");
      if (at < 0) return line;
      return line.slice(0, at) + MAGIC_PLACEHOLDER + " ".repeat(Math.max(0, line.length - at - MAGIC_PLACEHOLDER.length));
    })
    .join("\n");
}

/** The names a cell's top-level statements declare (imports included). */
export function topLevelNames(code: string): string[] {
  const source = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const names = new Set<string>();
  const addBinding = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) addBinding(element.name);
  };
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) addBinding(d.name);
    } else if (
      ts.isFunctionDeclaration(statement) ||
      ts.isClassDeclaration(statement) ||
      ts.isInterfaceDeclaration(statement) ||
      ts.isTypeAliasDeclaration(statement) ||
      ts.isEnumDeclaration(statement)
    ) {
      if (statement.name) names.add(statement.name.text);
    } else if (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name)) {
      names.add(statement.name.text);
    } else if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      if (clause.name) names.add(clause.name.text);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      else if (bindings) for (const element of bindings.elements) names.add(element.name.text);
    } else if (ts.isImportEqualsDeclaration(statement)) {
      names.add(statement.name.text);
    }
  }
  return [...names];
}

/** The executed cells and the cell being edited, as files. */
export class CellProject {
  private readonly cells: CellFile[] = [];
  /** For each name, the file of the latest executed cell that declared it. */
  private readonly owners = new Map<string, string>();
  private current: CellFile;
  private nextVersion = 1;

  /** @param dir the notebook's directory, where the cell files are imagined to live */
  constructor(private readonly dir: string) {
    this.current = this.build(join(dir, "__hpcfit_cell__.ts"), "");
  }

  /** The path of the cell being edited. */
  get currentPath(): string {
    return this.current.path;
  }

  /** Every file: executed cells in order, then the cell being edited. */
  files(): CellFile[] {
    return [...this.cells, this.current];
  }

  /** The file at `path`, if it is one of the project's. */
  file(path: string): CellFile | undefined {
    return path === this.current.path ? this.current : this.cells.find((c) => c.path === path);
  }

  /** Makes `code` the cell being edited (a new version only when it changed) and returns its file. */
  edit(code: string): CellFile {
    const text = blankMagics(code);
    const next = this.build(this.current.path, text);
    if (next.text !== this.current.text) this.current = next;
    return this.current;
  }

  /**
   * Adds `code` as the next executed cell, so later cells see its declarations. A cell that
   * declares nothing changes no type later cells see, and is not added: the program then stays
   * as it was, and the next question does not pay for a new file.
   */
  commit(code: string): CellFile | undefined {
    const text = blankMagics(code);
    if (topLevelNames(text).length === 0) return undefined;
    const file = this.build(join(this.dir, `__hpcfit_cell_${this.cells.length + 1}__.ts`), text);
    this.cells.push(file);
    for (const name of topLevelNames(text)) this.owners.set(name, file.path);
    // The edited cell's prelude must now import from the new file.
    this.current = this.build(
      this.current.path,
      this.current.text.slice(this.current.offset, this.current.offset + this.current.length),
    );
    return file;
  }

  private build(path: string, cell: string): CellFile {
    const own = topLevelNames(cell);
    const ownSet = new Set(own);
    const byOwner = new Map<string, string[]>();
    for (const [name, owner] of this.owners) {
      if (ownSet.has(name)) continue;
      const list = byOwner.get(owner) ?? [];
      list.push(name);
      byOwner.set(owner, list);
    }
    const imported = new Set<string>();
    const imports: string[] = [];
    for (const [owner, names] of byOwner) {
      names.forEach((n) => imported.add(n));
      const specifier = "./" + owner.slice(owner.lastIndexOf("/") + 1).replace(/\.ts$/, ".js");
      imports.push(`import { ${names.join(", ")} } from ${JSON.stringify(specifier)};`);
    }
    // One prelude line keeps the cell's line numbers a fixed distance from the file's.
    const prelude = imports.join(" ") + "\n";
    const text = `${prelude}${cell}\n;export { ${own.join(", ")} };\n`;
    return { path, text, offset: prelude.length, length: cell.length, version: this.nextVersion++, imported };
  }
}
