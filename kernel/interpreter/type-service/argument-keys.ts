/**
 * Remembered completions of the keys of an object literal passed straight to a function
 * (`fit(problem, { method: "dream", sa`).
 *
 * Every new text of the edited cell makes a new program, and with it a new type checker that
 * knows nothing yet: completing such keys makes it resolve the call and build the parameter's
 * type again, which for a type mapped from a table (fit's options, a union over its methods) is
 * most of the answer's time. What TypeScript offers there depends on the parameter's type and on
 * the keys already written, nothing else, when the function is a single, non-generic function
 * declaration outside the edited cell: so the candidates are kept per function, argument and
 * keys written, and a later completion of the same site (in any cell) takes them without asking
 * the checker for the type. The word being typed does not count: TypeScript offers every key and
 * the service filters them by that word.
 *
 * The keys written count by name only, except those that can narrow the parameter's union: a
 * key whose type, in some member of the union, has a literal type (`method: "dream"`) counts
 * with its value, which must then be a literal written out; with any other value (a variable, a
 * call) the site is not remembered and TypeScript answers as usual.
 */
import ts from "typescript";

/** A completion candidate as TypeScript offered it, with its signature. */
export interface Candidate {
  name: string;
  /** TypeScript's element kind. */
  kind: string;
  sortText: string;
  /** As TypeScript displays it (completion details), once asked. */
  signature?: string;
}

/** The candidates of one completion before the word typed so far filters them, in TypeScript's order. */
export interface Candidates {
  /** True when TypeScript calls them members (an object's keys are). */
  member: boolean;
  items: readonly Candidate[];
}

/** A completion position that names a key of an object literal argument of a plain function. */
export interface KeySite {
  /** The object literal. */
  readonly object: ts.ObjectLiteralExpression;
  /** The function's declaration and the argument's index: what the parameter's type depends on. */
  readonly call: string;
  /** The keys already written (all but the one being typed), by name and, for some, value. */
  readonly written: readonly WrittenKey[];
  /** The key being typed, when the word at the cursor already is one. */
  readonly typing: string | undefined;
  /** The span of that key's name (in the file), which a candidate replaces. */
  readonly span: ts.TextSpan | undefined;
}

/** A key written in the object literal. */
interface WrittenKey {
  name: string;
  /** Its value when that is a literal (`"dream"`, `-1`, `true`, `undefined`), see {@link literalText}. */
  literal: string | undefined;
}

/** What is kept of one call site: its literal-typed keys and its answers by keys written. */
interface CallMemory {
  /** Keys whose value can narrow the parameter's type. */
  narrowing: ReadonlySet<string>;
  answers: Map<string, Candidates>;
}

/** Bounds on what is kept: sites are few in a notebook, keys-written variants a handful per site. */
const MAX_CALLS = 64;
const MAX_ANSWERS_PER_CALL = 64;

/**
 * Cell text that can change the types of declarations outside the cells: global or module
 * augmentations and references to other declaration files. A notebook with one keeps nothing.
 */
const AUGMENTS = /\bdeclare\s+(?:global|module)\b|\/\/\/\s*<reference\b/;

/** The remembered key completions of one notebook's language service. */
export class ArgumentKeyMemory {
  private readonly calls = new Map<string, CallMemory>();
  /** The files outside the notebook's cells the answers were computed with. */
  private files = "";

  /**
   * The key site at `position` of `sourceFile` (the edited cell's file, in `program`), or
   * undefined when the position is not one or its answer could depend on more than the site:
   * the function is generic, overloaded, declared in the edited cell, or cells augment types.
   * `cellTexts` are the texts of all the notebook's cells, the edited one included.
   */
  site(program: ts.Program, sourceFile: ts.SourceFile, position: number, cellTexts: readonly string[]): KeySite | undefined {
    if (cellTexts.some((text) => AUGMENTS.test(text))) return undefined;
    const text = sourceFile.text;
    let wordStart = position;
    while (wordStart > 0 && /[\w$]/.test(text[wordStart - 1])) wordStart--;
    // A key's place: just after the object's `{` or a `,` between its members.
    let before = wordStart - 1;
    while (before >= 0 && /\s/.test(text[before])) before--;
    if (text[before] !== "{" && text[before] !== ",") return undefined;
    const found = keyAt(sourceFile, before, wordStart);
    if (!found) return undefined;
    const { object, edited } = found;
    if (wordStart < position && !edited) return undefined;
    const call = object.parent;
    if (!ts.isCallExpression(call) || call.typeArguments) return undefined;
    const index = call.arguments.indexOf(object);
    if (index < 0 || call.arguments.slice(0, index).some(ts.isSpreadElement)) return undefined;
    const declaration = plainFunction(program.getTypeChecker(), call.expression, sourceFile);
    if (!declaration) return undefined;
    const written: WrittenKey[] = [];
    for (const member of object.properties) {
      if (member === edited) continue;
      if (ts.isSpreadAssignment(member)) return undefined;
      const name = member.name && literalName(member.name);
      if (name === undefined) return undefined;
      written.push({ name, literal: ts.isPropertyAssignment(member) ? literalText(member.initializer, sourceFile) : undefined });
    }
    this.checkFiles(program, sourceFile);
    return {
      object,
      call: `${declaration.getSourceFile().fileName}:${declaration.pos}:${index}`,
      written,
      typing: edited && literalName(edited.name),
      span: edited && { start: edited.name.getStart(sourceFile), length: edited.name.end - edited.name.getStart(sourceFile) },
    };
  }

  /** The candidates remembered for `site`, if any. */
  recall(site: KeySite): Candidates | undefined {
    const memory = this.calls.get(site.call);
    if (!memory) return undefined;
    const key = writtenKey(site, memory.narrowing);
    return key === undefined ? undefined : memory.answers.get(key);
  }

  /** Keeps `candidates`, TypeScript's answer at `site`, when nothing but the site decides it. */
  remember(site: KeySite, checker: ts.TypeChecker, candidates: Candidates): void {
    let memory = this.calls.get(site.call);
    if (!memory) {
      const type = checker.getContextualType(site.object);
      const narrowing = type && narrowingKeys(checker, type);
      if (!narrowing) return;
      if (this.calls.size >= MAX_CALLS) this.calls.clear();
      memory = { narrowing, answers: new Map() };
      this.calls.set(site.call, memory);
    }
    const key = writtenKey(site, memory.narrowing);
    if (key === undefined) return;
    if (memory.answers.size >= MAX_ANSWERS_PER_CALL) memory.answers.clear();
    memory.answers.set(key, candidates);
  }

  /**
   * Forgets every answer when the program's files besides the cells changed (a cell imported a
   * new package, whose declarations may add to types the answers were made of).
   */
  private checkFiles(program: ts.Program, edited: ts.SourceFile): void {
    const cellDir = edited.fileName.slice(0, edited.fileName.lastIndexOf("/") + 1);
    const files = program
      .getSourceFiles()
      .map((f) => f.fileName)
      .filter((name) => !(name.startsWith(cellDir) && /\/__hpcfit_cell(?:_\d+)?__\.ts$/.test(name)))
      .join("\n");
    if (files !== this.files) {
      this.calls.clear();
      this.files = files;
    }
  }
}

/**
 * The object literal whose `{` or member-separating `,` is at `token`, and its member whose name
 * starts at `wordStart` if there is one; undefined when `token` is no such token.
 */
function keyAt(
  sourceFile: ts.SourceFile,
  token: number,
  wordStart: number,
):
  { object: ts.ObjectLiteralExpression; edited: ts.ShorthandPropertyAssignment | ts.PropertyAssignment | undefined } | undefined {
  let node: ts.Node = sourceFile;
  for (;;) {
    const inner: ts.Node | undefined = ts.forEachChild(node, (child) =>
      child.getStart(sourceFile) <= token && token < child.end ? child : undefined,
    );
    if (!inner) break;
    node = inner;
  }
  if (!ts.isObjectLiteralExpression(node)) return undefined;
  const object = node;
  // The token itself, not a `{` or `,` of a comment between the members.
  const [open, list] = object.getChildren(sourceFile);
  const tokens = [open, ...(list?.getChildren(sourceFile) ?? []).filter((n) => n.kind === ts.SyntaxKind.CommaToken)];
  if (!tokens.some((t) => t.kind !== ts.SyntaxKind.SyntaxList && t.getStart(sourceFile) === token)) return undefined;
  const edited = object.properties.find(
    (m): m is ts.ShorthandPropertyAssignment | ts.PropertyAssignment =>
      (ts.isShorthandPropertyAssignment(m) || ts.isPropertyAssignment(m)) && m.name.getStart(sourceFile) === wordStart,
  );
  return { object, edited };
}

/**
 * The declaration of the function `callee` calls when that is one non-generic function
 * declaration at the top of a module or namespace, outside the edited cell `edited`.
 */
function plainFunction(
  checker: ts.TypeChecker,
  callee: ts.Expression,
  edited: ts.SourceFile,
): ts.FunctionDeclaration | undefined {
  const name = ts.isIdentifier(callee) ? callee : ts.isPropertyAccessExpression(callee) ? callee.name : undefined;
  if (!name || !ts.isIdentifier(name)) return undefined;
  let symbol = checker.getSymbolAtLocation(name);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const declarations = symbol?.declarations ?? [];
  if (declarations.length !== 1) return undefined;
  const declaration = declarations[0];
  if (!ts.isFunctionDeclaration(declaration) || declaration.typeParameters) return undefined;
  if (!ts.isSourceFile(declaration.parent) && !ts.isModuleBlock(declaration.parent)) return undefined;
  if (declaration.getSourceFile() === edited) return undefined;
  return declaration;
}

/** A member's name as written, when it is a plain one (not computed, not private). */
function literalName(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name))
    return name.text;
  return undefined;
}

/**
 * A literal `value`, written so that literals of the same type read the same (`'lm'` as `"lm"`),
 * or undefined when `value` is no literal and its type is more than its text says.
 */
function literalText(value: ts.Expression, sourceFile: ts.SourceFile): string | undefined {
  if (ts.isStringLiteral(value) || ts.isNoSubstitutionTemplateLiteral(value)) return JSON.stringify(value.text);
  const literal =
    ts.isNumericLiteral(value) ||
    ts.isBigIntLiteral(value) ||
    value.kind === ts.SyntaxKind.TrueKeyword ||
    value.kind === ts.SyntaxKind.FalseKeyword ||
    value.kind === ts.SyntaxKind.NullKeyword ||
    (ts.isIdentifier(value) && value.text === "undefined") ||
    (ts.isPrefixUnaryExpression(value) &&
      value.operator === ts.SyntaxKind.MinusToken &&
      (ts.isNumericLiteral(value.operand) || ts.isBigIntLiteral(value.operand)));
  return literal ? value.getText(sourceFile) : undefined;
}

/**
 * The keys written, as the answer depends on them: names, and the values of narrowing keys.
 * Undefined when a narrowing key has a value whose type its text does not decide, or when the
 * word being typed is itself a narrowing key (TypeScript then reads its value as a name).
 */
function writtenKey(site: KeySite, narrowing: ReadonlySet<string>): string | undefined {
  if (site.typing !== undefined && narrowing.has(site.typing)) return undefined;
  const parts: string[] = [];
  for (const key of site.written) {
    if (!narrowing.has(key.name)) parts.push(JSON.stringify([key.name]));
    else if (key.literal !== undefined) parts.push(JSON.stringify([key.name, key.literal]));
    else return undefined;
  }
  return parts.sort().join(",");
}

/**
 * The keys of `type` (a parameter's type) whose value can narrow it: those whose type in some
 * member of the union has a literal type (`"dream"`, `false`, `null`) or is `undefined` alone.
 * TypeScript narrows by fewer (those made of literal types only); these are a safe superset.
 * Undefined for a type whose keys are not fixed (any, unknown, generic) or that has a generic key.
 */
function narrowingKeys(checker: ts.TypeChecker, type: ts.Type): Set<string> | undefined {
  const open = ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Instantiable;
  const members = type.isUnion() ? type.types : [type];
  if (members.some((t) => t.flags & open)) return undefined;
  const names = new Set<string>();
  for (const member of members) {
    for (const property of checker.getPropertiesOfType(member)) {
      const propertyType = checker.getTypeOfSymbol(property);
      if (propertyType.flags & ts.TypeFlags.Instantiable) return undefined;
      const parts = propertyType.isUnion() ? propertyType.types : [propertyType];
      if (parts.some((t) => t.flags & LITERAL) || parts.every((t) => t.flags & ts.TypeFlags.Undefined)) names.add(property.name);
    }
  }
  return names;
}

/** Types that a literal value can single out (and so narrow a union by). */
const LITERAL =
  ts.TypeFlags.Literal |
  ts.TypeFlags.EnumLiteral |
  ts.TypeFlags.UniqueESSymbol |
  ts.TypeFlags.Null |
  ts.TypeFlags.TemplateLiteral |
  ts.TypeFlags.StringMapping;
