/**
 * The checks of fit options, shared by `fit()`, each method and the flag parsers of the command
 * line and `%%fit`: an unknown option is refused with the closest valid name, an option the
 * method does not use with the methods that do, a value out of range with what it must be.
 */
import { closest } from "../../util/closest.js";
import { UserError } from "../../util/user-error.js";
import { FIT_OPTIONS, type FitOptionName } from "./definitions.js";
import {
  FIT_METHODS,
  accepts,
  defaultFor,
  methodsOf,
  refusal,
  specFor,
  type FitMethodName,
  type OptionSpec,
  type OptionValue,
} from "./spec.js";

const NAMES = Object.keys(FIT_OPTIONS) as FitOptionName[];

/** The description of option `name`, or undefined when there is no such option. */
export function optionSpec(name: string): OptionSpec | undefined {
  return Object.hasOwn(FIT_OPTIONS, name) ? (FIT_OPTIONS as Record<string, OptionSpec>)[name] : undefined;
}

/** Whether `method` is one of the built-in methods the table describes. */
export function isBuiltInMethod(method: string): method is FitMethodName {
  return (FIT_METHODS as readonly string[]).includes(method);
}

/** Whether `method` uses option `name` (every option of a method outside the table counts as used). */
export function usesOption(method: string, name: string): boolean {
  const spec = optionSpec(name);
  if (spec === undefined) return false;
  return !isBuiltInMethod(method) || methodsOf(spec).includes(method);
}

/** The message for an option that does not exist: names the closest one. */
export function unknownOption(name: string, known: readonly string[] = NAMES): string {
  const near = closest(name, known);
  return `unknown fit option ${JSON.stringify(name)}${near === undefined ? "" : `: did you mean \`${near}\`?`}`;
}

/** The message for an option `method` does not use: names the methods that use it. */
function notUsedBy(name: string, spec: OptionSpec, method: string): string {
  return `fit option ${name} is not used by ${method}; it is used by ${methodsOf(spec).join(", ")}`;
}

/**
 * The problem with one option's value for `method` (undefined: none), in the words every door
 * shows: `option pop must be a positive integer, got 2.5`.
 */
export function valueProblem(name: string, value: unknown, method?: string): string | undefined {
  const spec = optionSpec(name);
  if (spec === undefined) return unknownOption(name);
  const own = specFor(spec, method);
  return accepts(own, value) ? undefined : refusal(name, own, value);
}

/**
 * Checks every option against `method` before anything runs: each name must exist and be used
 * by the method, each value must be in its range. `extra` are further names the method accepts
 * (a method registered outside the table declares them).
 * @throws UserError naming the first option refused, with the closest valid name where one is near
 */
export function checkFitOptions(method: string, options: object, extra: readonly string[] = []): void {
  const builtIn = isBuiltInMethod(method);
  const valid = builtIn ? NAMES.filter((n) => usesOption(method, n)) : [...NAMES, ...extra];
  for (const [name, value] of Object.entries(options)) {
    if (name === "method" || value === undefined) continue;
    const spec = optionSpec(name);
    if (spec === undefined) {
      if (extra.includes(name)) continue;
      throw new UserError(unknownOption(name, valid));
    }
    if (builtIn && !usesOption(method, name)) throw new UserError(notUsedBy(name, spec, method));
    const problem = valueProblem(name, value, method);
    if (problem !== undefined) throw new UserError(problem);
  }
}

/**
 * Reads option `name` as `method` uses it: the value given, checked, or the method's default for
 * `nparams` fitted parameters (undefined when the table gives it none for that method).
 * @throws UserError when the value is out of range
 */
export function optionalOption<K extends FitOptionName>(
  method: FitMethodName,
  options: object,
  name: K,
  nparams = 0,
): OptionValue<(typeof FIT_OPTIONS)[K]> | undefined {
  const value = (options as Record<string, unknown>)[name];
  if (value === undefined)
    return defaultFor(FIT_OPTIONS[name] as OptionSpec, method, nparams) as OptionValue<(typeof FIT_OPTIONS)[K]> | undefined;
  const problem = valueProblem(name, value, method);
  if (problem !== undefined) throw new UserError(problem);
  return value as OptionValue<(typeof FIT_OPTIONS)[K]>;
}

/**
 * Reads option `name` as `method` uses it: the value given, checked, or the method's default for
 * `nparams` fitted parameters.
 * @throws UserError when the value is out of range
 * @throws Error when the table gives the option no default for the method (a mistake in the table)
 */
export function readOption<K extends FitOptionName>(
  method: FitMethodName,
  options: object,
  name: K,
  nparams = 0,
): OptionValue<(typeof FIT_OPTIONS)[K]> {
  const value = optionalOption(method, options, name, nparams);
  if (value === undefined) throw new Error(`fit option ${name} has no default for ${method}`);
  return value;
}
