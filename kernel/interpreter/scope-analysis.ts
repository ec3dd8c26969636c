/**
 * Scope analysis of one cell: which names the cell declares at its top level, which of them a
 * nested function closes over, and which top-level statements assign to them. The cell
 * compiler uses it to keep uncaptured names as plain locals of the cell function (as fast as
 * locals of any function) and give captured names an accessor on the global object.
 *
 * Scopes follow ECMAScript strict-mode rules: `var` and function parameters belong to the
 * nearest function; `let`, `const`, `class` and function declarations in blocks belong to the
 * block; `for (let ...)` heads and `catch` parameters get their own scope; a class and a named
 * function expression see their own name in a scope of their own.
 */
import type {
  AnonymousFunctionDeclaration,
  AnyNode,
  ArrowFunctionExpression,
  AwaitExpression,
  Class,
  FunctionDeclaration,
  FunctionExpression,
  ImportExpression,
  MetaProperty,
  Pattern,
  Program,
  Statement,
  ModuleDeclaration,
  VariableDeclaration,
} from "acorn";

/** How a top-level name was declared. */
export type BindingKind = "var" | "let" | "const" | "function" | "class" | "import";

/** A name declared at the cell's top level. */
export interface TopLevelBinding {
  readonly name: string;
  readonly kind: BindingKind;
  /** Index (in `Program.body`) of the first top-level statement that declares the name. */
  readonly statement: number;
  /** True when a nested function (or class member) refers to the name. */
  captured: boolean;
}

/** What {@link analyzeCell} found. */
export interface CellAnalysis {
  bindings: Map<string, TopLevelBinding>;
  /** Per top-level statement: top-level names it assigns outside nested functions. */
  writes: Map<number, Set<string>>;
  /** `await` expressions that belong to the cell itself (not to a nested async function). */
  topLevelAwaits: AwaitExpression[];
  /** Top-level statements that contain a `for await` loop of the cell's own. */
  statementsWithForAwait: Set<number>;
  /** Every `import(...)` expression, at any depth. */
  importExpressions: ImportExpression[];
  /** Every `import.meta`, at any depth. */
  importMetas: MetaProperty[];
}

type FunctionNode = FunctionDeclaration | AnonymousFunctionDeclaration | FunctionExpression | ArrowFunctionExpression;

class Scope {
  readonly names = new Set<string>();
  constructor(
    readonly parent: Scope | undefined,
    /** Number of function boundaries between this scope and the cell's top level. */
    readonly depth: number,
  ) {}
}

/** Analyzes a parsed cell (an acorn `Program` parsed as a module). */
export function analyzeCell(program: Program): CellAnalysis {
  return new Analyzer(program).run();
}

class Analyzer {
  private readonly result: CellAnalysis = {
    bindings: new Map(),
    writes: new Map(),
    topLevelAwaits: [],
    statementsWithForAwait: new Set(),
    importExpressions: [],
    importMetas: [],
  };
  private readonly top = new Scope(undefined, 0);
  private scope = this.top;
  private statementIndex = 0;

  constructor(private readonly program: Program) {}

  run(): CellAnalysis {
    const body = this.program.body;
    // Hoisting: every top-level name exists before any statement runs.
    body.forEach((statement, index) => {
      const inner = unwrapExport(statement);
      if (inner === undefined) return;
      if (inner.type === "ImportDeclaration") {
        for (const specifier of inner.specifiers) this.declareTop(specifier.local.name, "import", index);
        return;
      }
      for (const name of varNames(inner)) this.declareTop(name, "var", index);
      this.declareLexicalTop(inner, index);
    });
    body.forEach((statement, index) => {
      this.statementIndex = index;
      const inner = unwrapExport(statement);
      if (inner !== undefined && inner.type !== "ImportDeclaration") this.visit(inner);
    });
    return this.result;
  }

  private declareTop(name: string, kind: BindingKind, statement: number): void {
    this.top.names.add(name);
    if (!this.result.bindings.has(name)) this.result.bindings.set(name, { name, kind, statement, captured: false });
  }

  private declareLexicalTop(node: AnyNode, index: number): void {
    if (node.type === "VariableDeclaration" && node.kind !== "var") {
      for (const d of node.declarations)
        for (const name of patternNames(d.id)) this.declareTop(name, node.kind === "const" ? "const" : "let", index);
    } else if (node.type === "FunctionDeclaration" && node.id) this.declareTop(node.id.name, "function", index);
    else if (node.type === "ClassDeclaration" && node.id) this.declareTop(node.id.name, "class", index);
  }

  // ---- scopes ----

  private withScope(newFunction: boolean, body: (scope: Scope) => void): void {
    const saved = this.scope;
    this.scope = new Scope(saved, saved.depth + (newFunction ? 1 : 0));
    try {
      body(this.scope);
    } finally {
      this.scope = saved;
    }
  }

  private declareLexical(scope: Scope, statements: readonly AnyNode[]): void {
    for (const s of statements) {
      const inner = isExportNode(s) ? (unwrapExport(s) ?? s) : s;
      if (inner.type === "VariableDeclaration" && inner.kind !== "var") {
        for (const d of inner.declarations) for (const name of patternNames(d.id)) scope.names.add(name);
      } else if ((inner.type === "FunctionDeclaration" || inner.type === "ClassDeclaration") && inner.id) {
        scope.names.add(inner.id.name);
      }
    }
  }

  private reference(name: string, write: boolean): void {
    for (let s: Scope | undefined = this.scope; s; s = s.parent) {
      if (!s.names.has(name)) continue;
      if (s !== this.top) return;
      const binding = this.result.bindings.get(name);
      if (!binding) return;
      if (this.scope.depth > 0) binding.captured = true;
      else if (write) {
        let set = this.result.writes.get(this.statementIndex);
        if (!set) this.result.writes.set(this.statementIndex, (set = new Set()));
        set.add(name);
      }
      return;
    }
  }

  // ---- visiting ----

  private visit(node: AnyNode | null | undefined): void {
    if (node) this.visitNode(node);
  }

  private visitNode(node: AnyNode): void {
    switch (node.type) {
      case "Identifier":
        this.reference(node.name, false);
        return;
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        this.visitFunction(node);
        return;
      case "ClassDeclaration":
      case "ClassExpression":
        this.visitClass(node);
        return;
      case "VariableDeclaration":
        this.visitDeclaration(node);
        return;
      case "BlockStatement":
        this.withScope(false, (scope) => {
          this.declareLexical(scope, node.body);
          for (const s of node.body) this.visit(s);
        });
        return;
      case "StaticBlock":
        this.withScope(true, (scope) => {
          for (const name of varNamesOfList(node.body)) scope.names.add(name);
          this.declareLexical(scope, node.body);
          for (const s of node.body) this.visit(s);
        });
        return;
      case "ForStatement":
        this.withScope(false, (scope) => {
          if (node.init && node.init.type === "VariableDeclaration" && node.init.kind !== "var")
            this.declareLexical(scope, [node.init]);
          this.visit(node.init);
          this.visit(node.test);
          this.visit(node.update);
          this.visit(node.body);
        });
        return;
      case "ForInStatement":
      case "ForOfStatement":
        if (node.type === "ForOfStatement" && node.await && this.scope.depth === 0) {
          this.result.statementsWithForAwait.add(this.statementIndex);
        }
        this.withScope(false, (scope) => {
          const left = node.left;
          if (left.type === "VariableDeclaration") {
            if (left.kind !== "var") this.declareLexical(scope, [left]);
            for (const d of left.declarations) this.visitPattern(d.id, true);
          } else this.visitPattern(left, true);
          this.visit(node.right);
          this.visit(node.body);
        });
        return;
      case "SwitchStatement":
        this.visit(node.discriminant);
        this.withScope(false, (scope) => {
          for (const c of node.cases) this.declareLexical(scope, c.consequent);
          for (const c of node.cases) {
            this.visit(c.test);
            for (const s of c.consequent) this.visit(s);
          }
        });
        return;
      case "CatchClause":
        this.withScope(false, (scope) => {
          if (node.param) {
            for (const name of patternNames(node.param)) scope.names.add(name);
            this.visitPattern(node.param, false);
          }
          this.visit(node.body);
        });
        return;
      case "AssignmentExpression":
        if (node.left.type === "Identifier") this.reference(node.left.name, true);
        else this.visitPattern(node.left, true);
        this.visit(node.right);
        return;
      case "UpdateExpression":
        if (node.argument.type === "Identifier") this.reference(node.argument.name, true);
        else this.visit(node.argument);
        return;
      case "MemberExpression":
        this.visit(node.object);
        if (node.computed) this.visit(node.property);
        return;
      case "Property":
        if (node.computed) this.visit(node.key);
        this.visit(node.value);
        return;
      case "LabeledStatement":
        this.visit(node.body);
        return;
      case "MetaProperty":
        if (node.meta.name === "import") this.result.importMetas.push(node);
        return;
      case "BreakStatement":
      case "ContinueStatement":
      case "PrivateIdentifier":
      case "Literal":
      case "TemplateElement":
      case "ThisExpression":
      case "Super":
      case "ImportDeclaration":
        return;
      case "ExportNamedDeclaration":
      case "ExportDefaultDeclaration":
        this.visit(node.declaration);
        return;
      case "ExportAllDeclaration":
        return;
      case "ImportExpression":
        this.result.importExpressions.push(node);
        this.visit(node.source);
        this.visit(node.options);
        return;
      case "AwaitExpression":
        if (this.scope.depth === 0) this.result.topLevelAwaits.push(node);
        this.visit(node.argument);
        return;
      default:
        this.visitChildren(node);
    }
  }

  private visitChildren(node: AnyNode): void {
    for (const key of Object.keys(node)) {
      if (key === "type" || key === "start" || key === "end" || key === "loc" || key === "range") continue;
      const value = (node as unknown as Record<string, unknown>)[key];
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) this.visit(item);
      } else if (isNode(value)) this.visit(value);
    }
  }

  private visitDeclaration(node: VariableDeclaration): void {
    for (const d of node.declarations) {
      // A declarator with an initializer writes its names (matters for `var` inside blocks).
      this.visitPattern(d.id, d.init !== null && d.init !== undefined);
      this.visit(d.init);
    }
  }

  /** Visits a binding or assignment target; `write` marks its identifiers as assigned. */
  private visitPattern(pattern: Pattern | AnyNode, write: boolean): void {
    switch (pattern.type) {
      case "Identifier":
        if (write) this.reference(pattern.name, true);
        return;
      case "ObjectPattern":
        for (const p of pattern.properties) {
          if (p.type === "RestElement") this.visitPattern(p.argument, write);
          else {
            if (p.computed) this.visit(p.key);
            this.visitPattern(p.value, write);
          }
        }
        return;
      case "ArrayPattern":
        for (const e of pattern.elements) if (e) this.visitPattern(e, write);
        return;
      case "RestElement":
        this.visitPattern(pattern.argument, write);
        return;
      case "AssignmentPattern":
        this.visitPattern(pattern.left, write);
        this.visit(pattern.right);
        return;
      default:
        // A member expression as a target (`a.b = 1`, `[o.x] = ...`) reads its object.
        this.visit(pattern);
    }
  }

  private visitFunction(node: FunctionNode): void {
    const inner = (): void =>
      this.withScope(true, (scope) => {
        for (const p of node.params) for (const name of patternNames(p)) scope.names.add(name);
        if (node.type !== "ArrowFunctionExpression") scope.names.add("arguments");
        for (const p of node.params) this.visitPattern(p, false);
        if (node.body.type === "BlockStatement") {
          const statements = node.body.body;
          for (const name of varNamesOfList(statements)) scope.names.add(name);
          this.declareLexical(scope, statements);
          for (const s of statements) this.visit(s);
        } else this.visit(node.body);
      });
    if (node.type === "FunctionExpression" && node.id) {
      const name = node.id.name;
      this.withScope(false, (scope) => {
        scope.names.add(name);
        inner();
      });
    } else inner();
  }

  private visitClass(node: Class): void {
    this.visit(node.superClass);
    this.withScope(false, (scope) => {
      if (node.id) scope.names.add(node.id.name);
      for (const member of node.body.body) {
        if (member.type === "StaticBlock") {
          this.visit(member);
          continue;
        }
        if (member.computed) this.visit(member.key);
        if (member.type === "MethodDefinition") this.visit(member.value);
        else if (member.value) {
          // Field initializers run later, per instance: they behave like nested functions.
          const value = member.value;
          this.withScope(true, () => this.visit(value));
        }
      }
    });
  }
}

function isExportNode(node: AnyNode): node is Statement | ModuleDeclaration {
  return node.type.startsWith("Export");
}

function isNode(value: unknown): value is AnyNode {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

/** The statement inside `export ...`, or the statement itself; undefined for `export {a}` and `export *`. */
export function unwrapExport(node: Statement | ModuleDeclaration): AnyNode | undefined {
  if (node.type === "ExportNamedDeclaration") return node.declaration ?? undefined;
  if (node.type === "ExportDefaultDeclaration") return node.declaration;
  if (node.type === "ExportAllDeclaration") return undefined;
  return node;
}

/** Names bound by a pattern (`a`, `{ b, c: [d] }`, `...e`). */
export function patternNames(pattern: Pattern | AnyNode): string[] {
  const out: string[] = [];
  const walk = (p: Pattern | AnyNode): void => {
    switch (p.type) {
      case "Identifier":
        out.push(p.name);
        return;
      case "ObjectPattern":
        for (const prop of p.properties) walk(prop.type === "RestElement" ? prop.argument : prop.value);
        return;
      case "ArrayPattern":
        for (const e of p.elements) if (e) walk(e);
        return;
      case "RestElement":
        walk(p.argument);
        return;
      case "AssignmentPattern":
        walk(p.left);
        return;
      default:
        return;
    }
  };
  walk(pattern);
  return out;
}

/** `var` names declared by a statement, looking through blocks but not into functions. */
export function varNames(node: AnyNode | null | undefined): string[] {
  const out: string[] = [];
  const walk = (n: AnyNode | null | undefined): void => {
    if (!n) return;
    switch (n.type) {
      case "VariableDeclaration":
        if (n.kind === "var") for (const d of n.declarations) out.push(...patternNames(d.id));
        return;
      case "BlockStatement":
      case "StaticBlock":
        n.body.forEach(walk);
        return;
      case "IfStatement":
        walk(n.consequent);
        walk(n.alternate);
        return;
      case "ForStatement":
        walk(n.init);
        walk(n.body);
        return;
      case "ForInStatement":
      case "ForOfStatement":
        walk(n.left);
        walk(n.body);
        return;
      case "WhileStatement":
      case "DoWhileStatement":
      case "LabeledStatement":
      case "WithStatement":
        walk(n.body);
        return;
      case "TryStatement":
        walk(n.block);
        walk(n.handler?.body);
        walk(n.finalizer);
        return;
      case "SwitchStatement":
        for (const c of n.cases) c.consequent.forEach(walk);
        return;
      case "ExportNamedDeclaration":
        walk(n.declaration);
        return;
      default:
        return;
    }
  };
  walk(node);
  return out;
}

function varNamesOfList(statements: readonly AnyNode[]): string[] {
  return statements.flatMap((s) => varNames(s));
}
