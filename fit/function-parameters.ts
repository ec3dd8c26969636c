/**
 * Reads a function's own parameter list from its source text, so that `(x, m, b = 0) => m*x + b`
 * gives the parameters `m` and `b` (default 0). Uses acorn (pure JavaScript, no Node APIs).
 */
import { parseExpressionAt, type Node } from "acorn";

/** One formal parameter: its name and its default value when it has a constant one. */
export interface FormalParameter {
  name: string;
  /** The default value, when the parameter has one that is a numeric constant expression. */
  initial?: number;
}

interface AcornNode extends Node {
  [key: string]: unknown;
}

/**
 * The formal parameters of `fn` (all of them, including the first, `x`).
 * Throws a clear error for destructuring or rest parameters, which have no single name.
 */
export function formalParameters(fn: (...args: never[]) => unknown): FormalParameter[] {
  const source = Function.prototype.toString.call(fn);
  const node = parseFunction(source);
  if (node === undefined) {
    throw new Error(
      `cannot read the parameter list of ${fn.name || "the model function"}; give the names with the "names" option`,
    );
  }
  const out: FormalParameter[] = [];
  for (const p of node.params as AcornNode[]) {
    if (p.type === "Identifier") out.push({ name: p.name as string });
    else if (p.type === "AssignmentPattern" && (p.left as AcornNode).type === "Identifier") {
      const right = p.right as AcornNode;
      const text = source.slice(right.start, right.end);
      out.push({ name: (p.left as AcornNode).name as string, initial: constantValue(text) });
    } else {
      throw new Error(
        `the model function's parameter "${source.slice(p.start, p.end)}" is not a plain name; give the names with the "names" option`,
      );
    }
  }
  return out;
}

function parseFunction(source: string): AcornNode | undefined {
  // Arrow functions and `function` expressions parse as they are; methods (`f(x, a) {}`) need
  // a `function` keyword in front; class-less object methods keep their name.
  const attempts = [`(${source})`, `(function ${source})`, `({${source}})`];
  for (const text of attempts) {
    try {
      const expr = parseExpressionAt(text, 0, { ecmaVersion: "latest" }) as AcornNode;
      let node: AcornNode | undefined = expr;
      if (node.type === "ObjectExpression") {
        const prop = (node.properties as AcornNode[])[0];
        node = prop?.value as AcornNode | undefined;
      }
      if (node !== undefined && (node.type === "ArrowFunctionExpression" || node.type === "FunctionExpression")) {
        return shiftRanges(node, text, source);
      }
    } catch {
      // try the next wrapping
    }
  }
  return undefined;
}

/** Ranges in the node are offsets into the wrapped text; rebase default-value ranges onto `source`. */
function shiftRanges(node: AcornNode, wrapped: string, source: string): AcornNode {
  const shift = wrapped.indexOf(source);
  for (const p of node.params as AcornNode[]) {
    if (p.type === "AssignmentPattern") {
      const r = p.right as AcornNode;
      r.start -= shift;
      r.end -= shift;
    }
    p.start -= shift;
    p.end -= shift;
  }
  return node;
}

/** Evaluates a default value that is a numeric constant expression (`0`, `-1.5e3`, `Math.PI/2`). */
function constantValue(text: string): number | undefined {
  if (!/^[\s\d.eE+\-*/()]*$|^[\s\d.eE+\-*/()]*Math\.[A-Za-z0-9_.\s\d+\-*/()]*$/.test(text)) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval, @typescript-eslint/no-unsafe-call -- compiles the user's own model source on purpose
    const value: unknown = new Function(`"use strict"; return (${text});`)();
    return typeof value === "number" ? value : undefined;
  } catch {
    return undefined;
  }
}
