/**
 * The notebook's persistent top level: properties of the global object that compiled cells
 * publish their declarations to (see cell-compiler.ts), plus the record of which names the
 * notebook declared (for `%who`, completion and magics).
 */

const global = globalThis as unknown as Record<string, unknown>;

/** Declarations of the notebook, kept on the global object. */
export class PersistentScope {
  private readonly declared = new Set<string>();

  /** Publishes a plain value under `name` (replacing any earlier declaration or accessor). */
  define(name: string, value: unknown): void {
    const existing = Object.getOwnPropertyDescriptor(global, name);
    if (existing && !existing.configurable) {
      if (!("value" in existing) || !existing.writable)
        throw new TypeError(`Cannot declare ${name}: it is a read-only built-in global`);
      global[name] = value;
    } else {
      Object.defineProperty(global, name, { value, writable: true, enumerable: true, configurable: true });
    }
    this.declared.add(name);
  }

  /** Publishes `name` as an accessor onto a cell's local, shared with the closures of that cell. */
  defineAccessor(name: string, get: () => unknown, set: (value: unknown) => void): void {
    const existing = Object.getOwnPropertyDescriptor(global, name);
    if (existing && !existing.configurable) throw new TypeError(`Cannot declare ${name}: it is a read-only built-in global`);
    Object.defineProperty(global, name, { get, set, enumerable: true, configurable: true });
    this.declared.add(name);
  }

  /** True when a cell declared `name` and it still exists. */
  has(name: string): boolean {
    return this.declared.has(name) && name in global;
  }

  /** The value of a declared name (undefined when not declared). */
  get(name: string): unknown {
    return this.has(name) ? global[name] : undefined;
  }

  /** Names the notebook declared, sorted. */
  names(): string[] {
    return [...this.declared].filter((n) => n in global).sort();
  }
}
