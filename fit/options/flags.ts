/**
 * Fit options as flags (`--pop=20`), for the command line, `%%fit` and the Jobs panel's form: which
 * options can be written as text, their help lines, and the check of a set of flags, worded as
 * `fit()` words it because it is `fit()`'s check.
 */
import { UserError } from "../../util/user-error.js";
import { checkFitOptions, isBuiltInMethod, valueProblem } from "./check.js";
import { FIT_OPTIONS, type FitOptionName } from "./definitions.js";
import {
  FIT_METHODS,
  defaultText,
  expectation,
  fromText,
  hasTextForm,
  methodsOf,
  type FitMethodName,
  type OptionSpec,
  type OptionValue,
} from "./spec.js";

type Table = typeof FIT_OPTIONS;

/** Names of the options a flag can set (their values can be written as text). */
export type FlagOptionName = {
  [K in keyof Table]: Table[K] extends { kind: "value" }
    ? Table[K] extends { parse: (text: string) => unknown }
      ? K
      : never
    : K;
}[keyof Table];

/** Fit options as flags set them: any option with a text form, for any method. */
export type FlagOptions = { -readonly [K in FlagOptionName]?: OptionValue<Table[K]> };

/** The flag that chooses the method (`--fit=dream`, as bumps spells it). */
export const METHOD_FLAG = "fit";

/** Help of {@link METHOD_FLAG}. */
export const METHOD_FLAG_HELP = `fit method: ${FIT_METHODS.join(", ")} (default: lm with residuals, else amoeba)`;

/** Names of the options a flag can set, in the table's order. */
export const FLAG_OPTION_NAMES = (Object.keys(FIT_OPTIONS) as FitOptionName[]).filter((name) =>
  hasTextForm(FIT_OPTIONS[name] as OptionSpec),
) as FlagOptionName[];

/** One option as a form or a help text shows it. */
export interface FlagDescription {
  /** The option's name, which is also its flag (`--name`). */
  name: FlagOptionName;
  /** Kind of value: what a form's field holds. */
  kind: OptionSpec["kind"];
  /** What the value must be, in words ("a positive integer"). */
  expected: string;
  /** The allowed words of a choice. */
  values?: readonly string[];
  /** What the option does. */
  help: string;
  /** Methods that use it. */
  methods: readonly FitMethodName[];
  /** Defaults per method, in words. */
  defaults: Partial<Record<FitMethodName, string>>;
}

/** Every option a flag can set, described for help texts and forms. */
export function flagDescriptions(): FlagDescription[] {
  return FLAG_OPTION_NAMES.map((name) => {
    const spec = FIT_OPTIONS[name] as OptionSpec;
    const defaults: Partial<Record<FitMethodName, string>> = {};
    for (const m of methodsOf(spec)) {
      const d = defaultText(spec, m);
      if (d !== undefined) defaults[m] = d;
    }
    return {
      name,
      kind: spec.kind,
      expected: expectation(spec),
      ...(spec.kind === "choice" ? { values: spec.values } : {}),
      help: spec.help,
      methods: methodsOf(spec),
      defaults,
    };
  });
}

/** One help line's text for option `name`: what it does, which methods use it, their defaults. */
export function flagHelp(name: FlagOptionName): string {
  const d = flagDescriptions().find((f) => f.name === name)!;
  const users = d.methods.length === FIT_METHODS.length ? "" : ` [${d.methods.join(", ")}]`;
  const defaults = [...new Set(Object.values(d.defaults))];
  const shown =
    defaults.length === 1
      ? ` (default ${defaults[0]})`
      : defaults.length > 1
        ? ` (default ${Object.entries(d.defaults)
            .map(([m, v]) => `${m} ${v}`)
            .join(", ")})`
        : "";
  return `${d.help}${users}${shown}`;
}

/** The flag that sets option `name`, without its dashes: the name, or its own spelling (`max-time`). */
export function flagName(name: FlagOptionName): string {
  return (FIT_OPTIONS[name] as OptionSpec).flag ?? name;
}

/** Whether option `name` is a switch (a bare flag means true). */
export function isSwitch(name: string): boolean {
  return (FIT_OPTIONS as Record<string, OptionSpec>)[name]?.kind === "boolean";
}

/**
 * The value a flag's text stands for, unchecked (text that is no value of the option's kind stays
 * text, so that {@link checkFlagOptions} names it as given). A door converts each flag with this
 * and checks them all once the line is read, when the method is known.
 */
export function flagValue(name: FlagOptionName, text: string | undefined): unknown {
  return fromText(FIT_OPTIONS[name], text) ?? text;
}

/**
 * Checks a set of flag options as `fit()` will, so that a door refuses at parse time what `fit()`
 * would refuse before running: with `method` (a built-in one), names the method does not use and
 * values out of its range; without, values out of every method's range.
 * @throws UserError with `fit()`'s words
 */
export function checkFlagOptions(options: FlagOptions, method: string | undefined): void {
  if (method !== undefined && isBuiltInMethod(method)) {
    checkFitOptions(method, options);
    return;
  }
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const problem = valueProblem(name, value);
    if (problem !== undefined) throw new UserError(problem);
  }
}
