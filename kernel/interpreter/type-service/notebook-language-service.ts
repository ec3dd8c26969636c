/**
 * A TypeScript language service over a notebook's {@link CellProject}: completion, quick info and
 * diagnostics for the cell being edited, with imports resolved as cells resolve them (`hpcfit` to
 * this package's declarations, other packages and files from the notebook's directory). It keeps
 * its program between requests; only the edited cell changes version.
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import ts from "typescript";
import { packageRoot } from "../../../util/paths.js";
import { ArgumentKeyMemory, type Candidate } from "./argument-keys.js";
import { CellProject, MAGIC_PLACEHOLDER, type CellFile } from "./cell-project.js";
import { signatures, WITH_SYMBOLS } from "./completion-signatures.js";

/** A completion candidate with its type. */
export interface TypedCompletion {
  text: string;
  /** A Jupyter completion type: function, property, instance, class, interface, module, keyword, path, … */
  type: string;
  /** Its declaration as TypeScript shows it (`(property) samples?: number`), when known. */
  signature?: string;
}

/** The completions at a position of the edited cell. */
export interface TypedCompletions {
  /** Start and end (UTF-16, in the cell) of the text the candidates replace. */
  start: number;
  end: number;
  /** True when completing members after `.` (their absence then means the type is unknown). */
  member: boolean;
  items: TypedCompletion[];
}

/** One type diagnostic of a cell, located in the cell's own text. */
export interface CellDiagnostic {
  /** 1-based line and column in the cell. */
  line: number;
  column: number;
  /** TypeScript's message, flattened. */
  message: string;
  /** The cell's line it is on. */
  sourceLine: string;
  /** The TypeScript error code (TS2339 …). */
  code: number;
  /** How many characters it covers on that line (at least 1). */
  width: number;
}

/**
 * The declarations every cell sees besides lib and Node: the kernel's own globals, typed by the
 * declarations of the modules that make them (in `dist/`), so the two cannot drift apart.
 */
function cellGlobals(root: string): string {
  const api = (file: string) => JSON.stringify(join(root, "dist", "kernel", "interpreter", file));
  return `export {};
declare global {
  var display: import(${api("display-api.js")}).DisplayFunction;
  var input: import(${api("display-api.js")}).InputFunction;
  var prompt: import(${api("web-dialogs.js")}).WebDialogs["prompt"];
  var confirm: import(${api("web-dialogs.js")}).WebDialogs["confirm"];
  var alert: import(${api("web-dialogs.js")}).WebDialogs["alert"];
  /** The value a line magic (\`%name args\`) returns. */
  var ${MAGIC_PLACEHOLDER}: any;
}
`;
}

/** Diagnostics that describe the notebook's model rather than the user's code. */
const IGNORED_CODES = new Set([
  // "Cannot assign to 'x' because it is an import": a later cell assigns an earlier cell's `let`.
  2632,
  // "An import declaration can only be used at the top level of a namespace or module": cells are modules.
  1232,
]);

const KIND_TO_JUPYTER: Record<string, string> = {
  [ts.ScriptElementKind.functionElement]: "function",
  [ts.ScriptElementKind.localFunctionElement]: "function",
  [ts.ScriptElementKind.memberFunctionElement]: "function",
  [ts.ScriptElementKind.constructSignatureElement]: "function",
  [ts.ScriptElementKind.callSignatureElement]: "function",
  [ts.ScriptElementKind.memberVariableElement]: "property",
  [ts.ScriptElementKind.memberGetAccessorElement]: "property",
  [ts.ScriptElementKind.memberSetAccessorElement]: "property",
  [ts.ScriptElementKind.variableElement]: "instance",
  [ts.ScriptElementKind.localVariableElement]: "instance",
  [ts.ScriptElementKind.letElement]: "instance",
  [ts.ScriptElementKind.constElement]: "instance",
  [ts.ScriptElementKind.parameterElement]: "param",
  [ts.ScriptElementKind.alias]: "instance",
  [ts.ScriptElementKind.classElement]: "class",
  [ts.ScriptElementKind.localClassElement]: "class",
  [ts.ScriptElementKind.interfaceElement]: "interface",
  [ts.ScriptElementKind.typeElement]: "type",
  [ts.ScriptElementKind.enumElement]: "enum",
  [ts.ScriptElementKind.enumMemberElement]: "property",
  [ts.ScriptElementKind.moduleElement]: "module",
  [ts.ScriptElementKind.externalModuleName]: "module",
  [ts.ScriptElementKind.keyword]: "keyword",
  [ts.ScriptElementKind.directory]: "path",
  [ts.ScriptElementKind.scriptElement]: "path",
  [ts.ScriptElementKind.string]: "text",
};

/** The text before the cursor ends inside an import's module specifier; group 1 is its start. */
const MODULE_SPECIFIER = /(?:\bfrom|\bimport\s*\(?)\s*["']([^"'\n]*)$/;

/** How many candidates get their full signature (each costs a type-checker query). */
const MAX_DETAILED = 60;

/** A cell's import of values from hpcfit by name; group 1 lists them (`fit, Curve as C`). */
const HPCFIT_NAMED_IMPORT = /\bimport\s*\{([^}]*)\}\s*from\s*["']hpcfit["']/g;

/** The most candidates an option object's completion keeps for later (see argument-keys.ts). */
const MAX_REMEMBERED = 500;

/** A completion candidate before the word typed so far filters it. */
interface Offered extends Candidate {
  /** TypeScript's entry, to ask its signature from. */
  entry?: ts.CompletionEntry;
}

/** The language service of one notebook. */
export class NotebookLanguageService {
  readonly project: CellProject;
  private readonly service: ts.LanguageService;
  private readonly options: ts.CompilerOptions;
  private readonly globalsPath: string;
  private readonly hpcfitTypes: string;
  private readonly cache = ts.createModuleResolutionCache(process.cwd(), (s) => s);
  private readonly globals: string;
  private readonly snapshots = new Map<string, ts.IScriptSnapshot | undefined>();
  private readonly keys = new ArgumentKeyMemory();

  /** @param notebookDir where the notebook's imports resolve from */
  constructor(private readonly notebookDir: string) {
    this.project = new CellProject(notebookDir);
    const root = packageRoot();
    this.hpcfitTypes = join(root, "dist", "index.d.ts");
    this.globalsPath = join(notebookDir, "__hpcfit_globals__.d.ts");
    this.globals = cellGlobals(root);
    const globals = this.globals;
    this.options = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ["lib.es2023.d.ts"],
      types: ["node"],
      typeRoots: [join(root, "node_modules", "@types"), join(notebookDir, "node_modules", "@types")].filter(existsSync),
      strict: true,
      // Notebook code often leaves parameters of small helpers untyped.
      noImplicitAny: false,
      esModuleInterop: true,
      allowJs: false,
      skipLibCheck: true,
      resolveJsonModule: true,
      allowImportingTsExtensions: true,
      noEmit: true,
    };
    const project = this.project;
    const globalsPath = this.globalsPath;
    // The language service passes `getModuleResolutionCache` on to its compiler host (where it is
    // public), though its own host type leaves it out.
    const host: ts.LanguageServiceHost & Pick<ts.CompilerHost, "getModuleResolutionCache"> = {
      getCompilationSettings: () => this.options,
      getScriptFileNames: () => [globalsPath, ...project.files().map((f) => f.path)],
      getScriptVersion: (path) => (path === globalsPath ? "1" : String(project.file(path)?.version ?? 0)),
      getScriptSnapshot: (path) => {
        if (path === globalsPath) return ts.ScriptSnapshot.fromString(globals);
        const cell = project.file(path);
        if (cell) return ts.ScriptSnapshot.fromString(cell.text);
        return this.fileSnapshot(path);
      },
      getCurrentDirectory: () => notebookDir,
      // Without it, paths are compared (and directories listed) in lower case.
      useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (path) => path === globalsPath || project.file(path) !== undefined || ts.sys.fileExists(path),
      readFile: (path, encoding) =>
        path === globalsPath ? globals : (project.file(path)?.text ?? ts.sys.readFile(path, encoding)),
      readDirectory: (...args) => ts.sys.readDirectory(...args),
      directoryExists: (path) => ts.sys.directoryExists(path),
      getDirectories: (path) => ts.sys.getDirectories(path),
      realpath: (path) => ts.sys.realpath?.(path) ?? path,
      // Also answers the package.json lookups of every file's module format, which the service
      // would otherwise read and parse again on each program update.
      getModuleResolutionCache: () => this.cache,
      resolveModuleNameLiterals: (literals, containingFile, _redirect, options) =>
        literals.map((literal) => this.resolve(literal.text, containingFile, options, host)),
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  /**
   * The snapshot of a file outside the notebook (lib, declarations, the notebook's own modules),
   * read once: the language service asks for every file's snapshot on each program update, before
   * comparing versions, and reading them all again made each check of a new cell text cost tens
   * of milliseconds. Their versions are fixed, so a changed file on disk is seen by a new kernel.
   */
  private fileSnapshot(path: string): ts.IScriptSnapshot | undefined {
    if (this.snapshots.has(path)) return this.snapshots.get(path);
    const text = ts.sys.readFile(path);
    const snapshot = text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    this.snapshots.set(path, snapshot);
    return snapshot;
  }

  /** Builds the program once, so the first real request does not pay for loading lib and Node's types. */
  warmUp(): void {
    this.project.edit("");
    this.service.getSemanticDiagnostics(this.project.currentPath);
  }

  /** Completions in `code` (the edited cell) at `cursor` (UTF-16). */
  complete(code: string, cursor: number): TypedCompletions | undefined {
    const file = this.project.edit(code);
    const position = file.offset + cursor;
    const found = this.candidates(file, position);
    const specifier = MODULE_SPECIFIER.exec(code.slice(0, cursor));
    // Package names as the interpreter resolves them: `hpcfit` from the kernel, the others from
    // node_modules folders of the notebook's directory and above (TypeScript itself offers only
    // packages some package.json lists).
    const hpcfit: TypedCompletion[] =
      specifier && !/^[./]/.test(specifier[1])
        ? [
            ...("hpcfit".startsWith(specifier[1])
              ? [{ text: "hpcfit", type: "module", signature: `module "hpcfit" (${this.hpcfitTypes})` }]
              : []),
            ...installedPackages(this.notebookDir)
              .filter((name) => name.startsWith(specifier[1]))
              .map((name) => ({ text: name, type: "module", signature: `module "${name}"` })),
          ]
        : [];
    if (!found || found.candidates.length === 0) {
      return hpcfit.length > 0 && specifier
        ? { start: cursor - specifier[1].length, end: cursor, member: false, items: hpcfit }
        : undefined;
    }
    const wordStart = cursor - (/[\w$]*$/.exec(code.slice(0, cursor))?.[0].length ?? 0);
    const span = found.span;
    const start = span ? span.start - file.offset : wordStart;
    const end = span ? Math.max(cursor, span.start + span.length - file.offset) : cursor;
    const partial = code.slice(start, cursor).replace(/^["'`]/, "");
    const prefix = partial.toLowerCase();
    const candidates = found.candidates
      .filter((c) => c.name !== MAGIC_PLACEHOLDER && !c.name.startsWith("__hpcfit") && c.name.toLowerCase().startsWith(prefix))
      .sort(
        (a, b) =>
          rank(a.name, partial) - rank(b.name, partial) || a.sortText.localeCompare(b.sortText) || a.name.localeCompare(b.name),
      );
    // Signatures cost a type-checker query each: the first candidates get theirs.
    const unsigned = candidates.slice(0, MAX_DETAILED).filter((c) => c.signature === undefined && c.entry);
    const signed = signatures(
      this.service,
      file.path,
      position,
      unsigned.map((c) => c.entry!),
    );
    unsigned.forEach((c, i) => (c.signature = signed[i]));
    const quoted = span !== undefined && /^["'`]/.test(code.slice(start, start + 1));
    const items = candidates.map((c, i): TypedCompletion => {
      const item: TypedCompletion = { text: quoted ? code[start] + c.name : c.name, type: KIND_TO_JUPYTER[c.kind] ?? c.kind };
      if (i < MAX_DETAILED && c.signature !== undefined) item.signature = withoutAlias(c.signature);
      return item;
    });
    const offered = new Set(items.map((i) => i.text));
    items.unshift(...hpcfit.filter((i) => !offered.has(i.text)));
    return { start, end, member: found.member, items };
  }

  /**
   * TypeScript's candidates at `position` of the edited cell, unfiltered, with the span they
   * replace; for the keys of an option object, remembered per call site (see argument-keys.ts).
   */
  private candidates(
    file: CellFile,
    position: number,
  ): { member: boolean; span: ts.TextSpan | undefined; candidates: Offered[]; remembered: boolean } | undefined {
    const program = this.service.getProgram();
    const sourceFile = program?.getSourceFile(file.path);
    const site =
      program &&
      sourceFile &&
      this.keys.site(
        program,
        sourceFile,
        position,
        this.project.files().map((f) => f.text),
      );
    if (site) {
      const remembered = this.keys.recall(site);
      if (remembered) {
        return {
          member: remembered.member,
          span: site.span,
          candidates: remembered.items.map((c) => ({ ...c })),
          remembered: true,
        };
      }
    }
    const info = this.service.getCompletionsAtPosition(file.path, position, {
      includeCompletionsWithInsertText: true,
      includeCompletionsForImportStatements: false,
      includeCompletionsForModuleExports: false,
      // Cells import files without extensions (module-import.ts finds `.ts`, `.js`, index files);
      // left to infer, TypeScript would copy the `.js` of the cells' own preludes.
      importModuleSpecifierEnding: "minimal",
      ...WITH_SYMBOLS,
    });
    if (!info) return undefined;
    // Module paths carry their span on each entry rather than on the list.
    const span = info.optionalReplacementSpan ?? info.entries.find((e) => e.replacementSpan)?.replacementSpan;
    const candidates = info.entries
      // Module paths the cell files themselves would offer are not the user's.
      .filter((e) => !(e.kind === ts.ScriptElementKind.scriptElement && e.name.startsWith("__hpcfit")))
      .map((entry): Offered => ({ name: entry.name, kind: entry.kind, sortText: entry.sortText, entry }));
    if (site && program && candidates.length <= MAX_REMEMBERED) {
      // Kept with their signatures, and without TypeScript's entries (which hold the checker).
      const signed = signatures(
        this.service,
        file.path,
        position,
        candidates.map((c) => c.entry!),
      );
      const items = candidates.map(({ name, kind, sortText }, i) => ({ name, kind, sortText, signature: signed[i] }));
      this.keys.remember(site, program.getTypeChecker(), { member: info.isMemberCompletion, items });
      return { member: info.isMemberCompletion, span, candidates: items, remembered: false };
    }
    return { member: info.isMemberCompletion, span, candidates, remembered: false };
  }

  /**
   * The steps that make the first completion of fit's option keys as quick as the next ones, or
   * undefined when no executed cell imports hpcfit's `fit` by name. Each step is one program:
   * the first asks the keys with no method and the method names, the second the keys of every
   * method, all of which the service then remembers (see argument-keys.ts). Between steps the
   * thread may answer questions; a step edits the cell it needs, as every question does.
   */
  warmFitOptions(): Iterator<void> | undefined {
    // The name the cells call fit by: the scratch cell then imports what the user's cells do,
    // and the program the next question makes keeps the same modules.
    let fit: string | undefined;
    for (const file of this.project.files()) {
      if (file.path === this.project.currentPath) continue;
      for (const [, names] of file.text.matchAll(HPCFIT_NAMED_IMPORT)) {
        for (const specifier of names.split(",")) {
          const [name, local] = specifier.trim().split(/\s+as\s+/);
          if (name === "fit") fit = local ?? name;
        }
      }
    }
    return fit === undefined ? undefined : this.fitOptionSteps(fit);
  }

  private *fitOptionSteps(fit: string): Generator<void, void, void> {
    const first = `${fit}(undefined!, { });\n${fit}(undefined!, { method: "" });\n`;
    let file = this.project.edit(first);
    const keys = this.candidates(file, file.offset + first.indexOf("{ }") + 2);
    if (!keys || keys.remembered) return;
    const names = this.service.getCompletionsAtPosition(file.path, file.offset + first.indexOf('""') + 1, {});
    const methods = (names?.entries ?? []).filter((e) => e.kind === ts.ScriptElementKind.string).map((e) => e.name);
    if (methods.length === 0) return;
    yield;
    const calls = methods.map((m) => `${fit}(undefined!, { method: ${JSON.stringify(m)}, });`);
    const second = calls.join("\n") + "\n";
    file = this.project.edit(second);
    for (const call of calls) this.candidates(file, file.offset + second.indexOf(call) + call.length - " });".length);
  }

  /**
   * The type or signature at `cursor` in `code` with its documentation; with `detailLevel` 1 the
   * declaration's source too. Undefined when nothing typed is there.
   */
  inspect(code: string, cursor: number, detailLevel: 0 | 1): string | undefined {
    const file = this.project.edit(code);
    // The cursor just after a name (`fit|`, `fit(|`) inspects that name.
    const candidates = [cursor, cursor - 1, cursor - 2].filter((c) => c >= 0 && c <= code.length);
    for (const at of candidates) {
      const position = file.offset + at;
      const info = this.quickInfo(file, position);
      if (!info || info.kind === ts.ScriptElementKind.keyword || info.kind === ts.ScriptElementKind.unknown) continue;
      const parts = [withoutAlias(ts.displayPartsToString(info.displayParts))];
      const docs = ts.displayPartsToString(info.documentation);
      if (docs) parts.push(docs);
      for (const tag of info.tags ?? []) parts.push(`@${tag.name}${tag.text ? " " + ts.displayPartsToString(tag.text) : ""}`);
      if (detailLevel === 1) {
        const source = this.declarationSource(file.path, position);
        if (source) parts.push(`Source (${source.where}):\n${source.text}`);
      }
      return parts.join("\n\n");
    }
    return undefined;
  }

  /**
   * Quick info at `position`; for a name the prelude imports from an earlier cell, that of its
   * declaration there (an import alias shows less: no `function`, no `interface`).
   */
  private quickInfo(file: CellFile, position: number): ts.QuickInfo | undefined {
    const info = this.service.getQuickInfoAtPosition(file.path, position);
    if (info?.kind !== ts.ScriptElementKind.alias) return info;
    const name = file.text.slice(info.textSpan.start, info.textSpan.start + info.textSpan.length);
    if (!file.imported.has(name)) return info;
    const definition = this.service.getDefinitionAtPosition(file.path, position)?.find((d) => this.project.file(d.fileName));
    if (!definition) return info;
    return this.service.getQuickInfoAtPosition(definition.fileName, definition.textSpan.start) ?? info;
  }

  /** The type errors of `code` as the next cell, located in the cell. */
  diagnose(code: string): CellDiagnostic[] {
    const file = this.project.edit(code);
    const found = [...this.service.getSyntacticDiagnostics(file.path), ...this.service.getSemanticDiagnostics(file.path)];
    return this.toCell(found, file, code);
  }

  /** True when `code` parses (a cell that does not never declares anything). */
  parses(code: string): boolean {
    const file = this.project.edit(code);
    return this.service.getSyntacticDiagnostics(file.path).length === 0;
  }

  private toCell(found: readonly ts.Diagnostic[], file: CellFile, code: string): CellDiagnostic[] {
    const lines = code.split("\n");
    const out: CellDiagnostic[] = [];
    for (const d of found) {
      if (d.start === undefined || IGNORED_CODES.has(d.code)) continue;
      const start = d.start - file.offset;
      // Diagnostics in the prelude or export line concern the notebook's model, not this cell.
      if (start < 0 || start > file.length) continue;
      const before = code.slice(0, start);
      const line = before.split("\n").length;
      const column = start - (before.lastIndexOf("\n") + 1) + 1;
      const sourceLine = lines[line - 1] ?? "";
      const width = Math.max(1, Math.min(d.length ?? 1, sourceLine.length - column + 1));
      out.push({ line, column, message: ts.flattenDiagnosticMessageText(d.messageText, "\n"), sourceLine, code: d.code, width });
    }
    return out;
  }

  private declarationSource(path: string, position: number): { where: string; text: string } | undefined {
    const definition = this.service.getDefinitionAtPosition(path, position)?.[0];
    if (!definition) return undefined;
    const program = this.service.getProgram();
    const source = program?.getSourceFile(definition.fileName);
    if (!source) return undefined;
    const span = definition.contextSpan ?? definition.textSpan;
    const text = source.text.slice(span.start, span.start + span.length);
    const cell = this.project.file(definition.fileName);
    if (cell) {
      const match = /__hpcfit_cell_(\d+)__/.exec(definition.fileName);
      return { where: match ? `cell ${match[1]} of this session` : "this cell", text };
    }
    const { line } = source.getLineAndCharacterOfPosition(span.start);
    return { where: `${definition.fileName}:${line + 1}`, text };
  }

  private resolve(
    name: string,
    containingFile: string,
    options: ts.CompilerOptions,
    host: ts.ModuleResolutionHost,
  ): ts.ResolvedModuleWithFailedLookupLocations {
    if (name === "hpcfit" && existsSync(this.hpcfitTypes)) {
      return {
        resolvedModule: { resolvedFileName: this.hpcfitTypes, extension: ts.Extension.Dts, isExternalLibraryImport: false },
      };
    }
    return ts.resolveModuleName(name, containingFile, options, host, this.cache);
  }
}

/**
 * A name imported (by the user or by a cell's prelude) shows as `(alias) const x: T\nimport x`;
 * what matters is the declaration itself.
 */
function withoutAlias(display: string): string {
  return display.replace(/^\(alias\) /, "").replace(/\nimport [^\n]*$/, "");
}

/** Names of the packages in the node_modules folders of `dir` and its ancestors, nearest first. */
function installedPackages(dir: string): string[] {
  const names = new Set<string>();
  const list = (path: string): string[] => {
    try {
      return readdirSync(path).filter((n) => !n.startsWith("."));
    } catch {
      return [];
    }
  };
  for (let at = dir; ; at = dirname(at)) {
    const modules = join(at, "node_modules");
    for (const name of list(modules)) {
      if (name.startsWith("@")) for (const inner of list(join(modules, name))) names.add(`${name}/${inner}`);
      else names.add(name);
    }
    if (dirname(at) === at) break;
  }
  return [...names];
}

/** Exact-case prefix matches first, then the rest; public names before `_private` ones. */
function rank(name: string, partial: string): number {
  return (name.startsWith(partial) ? 0 : 2) + (name.startsWith("_") ? 1 : 0);
}
