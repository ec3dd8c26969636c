/**
 * How a fit option is described: its kind of value (with range or allowed values), its help
 * text, which methods use it and their defaults. One description serves the engine's checks, the
 * command line, `%%fit` and the Jobs panel's form, so each refuses a value with the same words.
 */

/** The built-in fit methods, in the order help texts list them. */
export const FIT_METHODS = ["lm", "amoeba", "newton", "de", "dream", "smc"] as const;

/** Name of a built-in fit method. */
export type FitMethodName = (typeof FIT_METHODS)[number];

/**
 * The optimizers among them: their result is whole only at the end, so their starts can run
 * elsewhere (`fit/starts.ts`), and their `parallel: "auto"` measures the model first, which makes
 * it a default where the model's cost is not known in advance (a fit job).
 */
export const OPTIMIZER_METHODS: readonly FitMethodName[] = ["lm", "amoeba", "newton", "de"];

/** A default that depends on the number of fitted parameters, with how help texts say it. */
export interface ScaledDefault<T> {
  /** The default for `nparams` fitted parameters. */
  of(nparams: number): T;
  /** The rule in words, for help texts ("500·(p+1)"). */
  text: string;
}

/** Defaults of an option, per method that uses it (absent: the option has none for that method). */
export type Defaults<T> = Partial<Record<FitMethodName, T | ScaledDefault<T>>>;

interface BaseSpec<T> {
  /** What the option does, one line. */
  help: string;
  /** Methods that read it; "all" for options of `fit()` itself or of every method. */
  methods: "all" | readonly FitMethodName[];
  /** Per-method defaults. */
  defaults?: Defaults<T>;
  /** The flag of the command line and `%%fit` when it is not the name (`max-time` for `maxTime`). */
  flag?: string;
  /** A stricter range for some methods (DREAM's `pop` counts chains, so it is a whole number). */
  per?: Partial<Record<FitMethodName, RangeOverride>>;
}

/** The kind and range an option has for one method, where it differs. */
export interface RangeOverride {
  kind: "integer" | "number";
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  /** Why the method narrows the range, said when it refuses a value. */
  why?: string;
}

/** An integer in [min, max]. */
export interface IntegerSpec extends BaseSpec<number> {
  kind: "integer";
  min?: number;
  max?: number;
  /** Why a method narrows the range (from its `per` entry), said when a value is refused. */
  why?: string;
}

/** A finite number in [min, max] (or (min, max] with `exclusiveMin`). */
export interface NumberSpec extends BaseSpec<number> {
  kind: "number";
  min?: number;
  max?: number;
  /** The lower end itself is refused. */
  exclusiveMin?: boolean;
  /** Why a method narrows the range (from its `per` entry), said when a value is refused. */
  why?: string;
}

/** One of a few words. */
export interface ChoiceSpec<V extends string = string> extends BaseSpec<V> {
  kind: "choice";
  values: readonly V[];
}

/** True or false. */
export interface BooleanSpec extends BaseSpec<boolean> {
  kind: "boolean";
}

/**
 * A value of a TypeScript type the table cannot spell (a function, a state object): `check`
 * says what is wrong with a value, `parse` (when the value can be written as text) reads a flag's
 * text. `sample` carries the type only; it is never set.
 */
export interface ValueSpec<T = unknown> extends BaseSpec<T> {
  kind: "value";
  /** What the value must be, for messages ("a positive integer or \"auto\""). */
  expected: string;
  /** True when `v` is acceptable. */
  accepts(v: unknown): boolean;
  /** Reads a flag's text, for options the command line may set; undefined when it cannot. */
  parse?(text: string): unknown;
  /** Never set: carries the option's TypeScript type. */
  sample?: T;
}

/** Any option's description. */
export type OptionSpec = IntegerSpec | NumberSpec | ChoiceSpec | BooleanSpec | ValueSpec;

/** The TypeScript type of an option's value. */
export type OptionValue<S> = S extends { kind: "integer" | "number" }
  ? number
  : S extends { kind: "choice"; values: readonly (infer V)[] }
    ? V
    : S extends { kind: "boolean" }
      ? boolean
      : S extends { kind: "value"; sample?: infer T }
        ? T
        : never;

/**
 * Describes an option whose values have a TypeScript type the table cannot spell:
 * `valueOption<Monitor>()({ methods: "all", ... })` (two calls, so that the type is given and the
 * rest, the methods' names and whether it has a text form, is inferred as written).
 */
export function valueOption<T>() {
  return <const S extends Omit<ValueSpec<T>, "kind" | "sample">>(spec: S): ValueSpec<T> & S => ({ kind: "value", ...spec });
}

/** The spec of an option as `method` reads it (its range for that method, where it differs). */
export function specFor(spec: OptionSpec, method: string | undefined): OptionSpec {
  const own = method === undefined ? undefined : spec.per?.[method as FitMethodName];
  if (own === undefined || (spec.kind !== "integer" && spec.kind !== "number")) return spec;
  const { min: _min, max: _max, exclusiveMin: _e, ...rest } = spec as NumberSpec;
  return { ...rest, ...own };
}

/** "a positive integer", "a number between 0 and 1", ...: what `spec` accepts. */
export function expectation(spec: OptionSpec): string {
  switch (spec.kind) {
    case "integer":
    case "number": {
      const noun = spec.kind === "integer" ? "integer" : "number";
      const exclusive = spec.kind === "number" && spec.exclusiveMin === true;
      if (spec.min === 0 && spec.max === undefined) return exclusive ? `a positive ${noun}` : `a non-negative ${noun}`;
      if (spec.min === 1 && spec.max === undefined && spec.kind === "integer") return "a positive integer";
      if (spec.min !== undefined && spec.min === spec.max && !exclusive) return String(spec.min);
      if (spec.min !== undefined && spec.max !== undefined)
        return `${spec.kind === "integer" ? "an integer" : "a number"} between ${spec.min} and ${spec.max}`;
      if (spec.min !== undefined)
        return `${spec.kind === "integer" ? "an integer" : "a number"} ${exclusive ? ">" : ">="} ${spec.min}`;
      if (spec.max !== undefined) return `${spec.kind === "integer" ? "an integer" : "a number"} <= ${spec.max}`;
      return spec.kind === "integer" ? "an integer" : "a finite number";
    }
    case "choice":
      return spec.values.length === 2
        ? `${JSON.stringify(spec.values[0])} or ${JSON.stringify(spec.values[1])}`
        : `one of ${spec.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "boolean":
      return "true or false";
    case "value":
      return spec.expected;
  }
}

/** True when `value` is acceptable for `spec`. */
export function accepts(spec: OptionSpec, value: unknown): boolean {
  switch (spec.kind) {
    case "integer":
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return false;
      if (spec.kind === "integer" && !Number.isSafeInteger(value)) return false;
      if (
        spec.min !== undefined &&
        (value < spec.min || (spec.kind === "number" && spec.exclusiveMin === true && value === spec.min))
      )
        return false;
      return spec.max === undefined || value <= spec.max;
    }
    case "choice":
      return typeof value === "string" && spec.values.includes(value);
    case "boolean":
      return typeof value === "boolean";
    case "value":
      return spec.accepts(value);
  }
}

/** The message for a refused value: `option pop must be a positive integer, got 2.5`. */
export function refusal(name: string, spec: OptionSpec, value: unknown): string {
  const why = (spec.kind === "integer" || spec.kind === "number") && spec.why !== undefined ? `: ${spec.why}` : "";
  return `option ${name} must be ${expectation(spec)}, got ${shown(value)}${why}`;
}

function shown(value: unknown): string {
  if (typeof value === "function") return "a function";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * The value a flag's text stands for, before it is checked: numbers for numeric options (text
 * that is no number stays text, so the check names it), `true`/`false` for booleans (a bare flag
 * is true), the text itself for choices. Undefined when the option cannot be written as text.
 */
export function fromText(spec: OptionSpec, text: string | undefined): unknown {
  switch (spec.kind) {
    case "integer":
    case "number": {
      const t = (text ?? "").trim();
      const n = Number(t);
      return t !== "" && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? n : text;
    }
    case "boolean":
      if (text === undefined) return true;
      return text === "true" ? true : text === "false" ? false : text;
    case "choice":
      return text;
    case "value":
      return spec.parse && text !== undefined ? spec.parse(text) : undefined;
  }
}

/** Whether the command line and `%%fit` can set the option (its value can be written as text). */
export function hasTextForm(spec: OptionSpec): boolean {
  return spec.kind !== "value" || spec.parse !== undefined;
}

/** The methods that use an option, spelt out. */
export function methodsOf(spec: OptionSpec): readonly FitMethodName[] {
  return spec.methods === "all" ? FIT_METHODS : spec.methods;
}

/**
 * Whether `method` leaves the option's value to the user: false where its range for that method
 * holds one value (the samplers' `starts`), so a form need not offer the field.
 */
export function choosableBy(spec: OptionSpec, method: FitMethodName): boolean {
  const own = spec.per?.[method];
  return own === undefined || own.min === undefined || own.min !== own.max;
}

/** The option's default for `method` with `nparams` fitted parameters, undefined when it has none. */
export function defaultFor<T>(spec: BaseSpec<T>, method: FitMethodName, nparams: number): T | undefined {
  const d = spec.defaults?.[method];
  if (d === undefined) return undefined;
  return typeof d === "object" && d !== null && "of" in d && typeof d.of === "function" ? d.of(nparams) : (d as T);
}

/** The option's default for `method` in words ("10", "500·(p+1)"), undefined when it has none. */
export function defaultText(spec: OptionSpec, method: FitMethodName): string | undefined {
  const d = spec.defaults?.[method];
  if (d === undefined) return undefined;
  if (typeof d === "object" && d !== null && "text" in d) return (d as ScaledDefault<unknown>).text;
  return typeof d === "string" ? d : JSON.stringify(d);
}
