/**
 * Acorn with declared-name lookups in constant time. Acorn keeps each scope's declared names in
 * arrays and searches them (`indexOf`) on every declaration to find redeclarations, which makes a
 * cell with tens of thousands of top-level declarations quadratic to parse (a megabyte of `let`
 * statements took over 20 s). The arrays are replaced by ones that index their names as they are
 * pushed; acorn's own checks, and their error messages, are unchanged.
 */
import { Parser, type Options, type Program } from "acorn";

/** An array of names whose `indexOf` is a map lookup. Acorn only pushes to these lists. */
class IndexedNames extends Array<string> {
  private readonly first = new Map<string, number>();

  override push(...names: string[]): number {
    for (const name of names) {
      if (!this.first.has(name)) this.first.set(name, this.length);
      super.push(name);
    }
    return this.length;
  }

  override indexOf(name: string): number {
    return this.first.get(name) ?? -1;
  }
}

interface AcornScope {
  var: string[];
  lexical: string[];
  functions: string[];
}

/** The parts of acorn's (untyped) parser internals the extension touches. */
interface ScopedParser {
  scopeStack: AcornScope[];
}

const LinearScopeParser = Parser.extend(
  (Base) =>
    class extends Base {
      enterScope(flags: number): void {
        (Base.prototype as unknown as { enterScope(this: unknown, flags: number): void }).enterScope.call(this, flags);
        const stack = (this as unknown as ScopedParser).scopeStack;
        const scope = stack[stack.length - 1];
        scope.var = new IndexedNames();
        scope.lexical = new IndexedNames();
        scope.functions = new IndexedNames();
      }
    },
);

/** `acorn.parse`, in time linear in the number of declarations. */
export function parseProgram(input: string, options: Options): Program {
  return LinearScopeParser.parse(input, options);
}
