/**
 * Finds runtime values for completion and inspection without running user code: a dotted
 * path (`a.b.c`) is followed through data properties only. Getters are not called (they can
 * do anything), except the notebook's own variables, whose accessors just read a cell's local.
 */

/** Splits the text before the cursor into an object path and a partial member name, if it ends in a member access. */
export function memberAccessAt(before: string): { path: string[]; partial: string } | undefined {
  const match = /((?:[A-Za-z_$][\w$]*)(?:\s*\??\.\s*[A-Za-z_$][\w$]*)*)\s*\??\.\s*([A-Za-z_$][\w$]*)?$/.exec(before);
  if (!match) return undefined;
  // `1.5` or `x.y` preceded by a digit-ending word is not a member access we can evaluate.
  const start = match.index;
  if (start > 0 && /[\w$.]/.test(before[start - 1])) return undefined;
  const path = match[1].split(/\s*\??\.\s*/);
  return { path, partial: match[2] ?? "" };
}

/** The value at `path` from the global object, or `found: false`. */
export function lookupPath(path: string[], isNotebookName: (name: string) => boolean): { found: boolean; value?: unknown } {
  if (path.length === 0) return { found: false };
  const [root, ...rest] = path;
  let current: unknown;
  const rootDescriptor = findDescriptor(globalThis, root);
  if (!rootDescriptor) return { found: false };
  if ("value" in rootDescriptor) current = rootDescriptor.value;
  else if (rootDescriptor.get && isNotebookName(root)) {
    try {
      current = rootDescriptor.get.call(globalThis);
    } catch {
      return { found: false };
    }
  } else return { found: false };
  for (const key of rest) {
    if (current === null || current === undefined) return { found: false };
    const descriptor = findDescriptor(Object(current) as object, key);
    if (!descriptor || !("value" in descriptor)) return { found: false };
    current = descriptor.value;
  }
  return { found: true, value: current };
}

/** A property's descriptor, looked up along the prototype chain. */
export function findDescriptor(object: object, key: string): PropertyDescriptor | undefined {
  for (let o: object | null = object; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    const d = Object.getOwnPropertyDescriptor(o, key);
    if (d) return d;
  }
  return undefined;
}

/** Member names of a value, own and inherited, without Object.prototype's clutter unless asked. */
export function memberNames(value: unknown): Array<{ name: string; kind: string }> {
  if (value === null || value === undefined) return [];
  const seen = new Map<string, string>();
  let o: object | null = Object(value) as object;
  while (o !== null) {
    const isObjectPrototype = o === Object.prototype;
    for (const key of Object.getOwnPropertyNames(o)) {
      if (seen.has(key) || /^\d+$/.test(key)) continue;
      if (isObjectPrototype && key.startsWith("__")) continue;
      const d = Object.getOwnPropertyDescriptor(o, key);
      const kind =
        d && "value" in d
          ? typeof d.value === "function"
            ? /^class\b/.test(safeSource(d.value))
              ? "class"
              : "function"
            : "instance"
          : "property";
      seen.set(key, kind);
    }
    o = Object.getPrototypeOf(o) as object | null;
  }
  return [...seen].map(([name, kind]) => ({ name, kind }));
}

/** `Function.prototype.toString` that never throws. */
export function safeSource(fn: unknown): string {
  try {
    return Function.prototype.toString.call(fn);
  } catch {
    return "";
  }
}
