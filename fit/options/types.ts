/**
 * The TypeScript types of fit options, derived from the one table ({@link FIT_OPTIONS}): each
 * method's options, and `FitOptions`, a union discriminated on `method` with no room for an
 * option that is misspelt or that the method does not use.
 */
import type { FIT_OPTIONS } from "./definitions.js";
import type { FitMethodName, OptionValue } from "./spec.js";

type Table = typeof FIT_OPTIONS;

/** Whether option `K` is used by method `M`. */
type UsedBy<K extends keyof Table, M extends FitMethodName> = Table[K]["methods"] extends "all"
  ? true
  : M extends (Table[K]["methods"] & readonly FitMethodName[])[number]
    ? true
    : false;

/** The options method `M` understands (besides `method`), each optional. */
export type MethodOptions<M extends FitMethodName> = {
  -readonly [K in keyof Table as UsedBy<K, M> extends true ? K : never]?: OptionValue<Table[K]>;
};

/** Options of a fit with a named method: the method's own and those of every method. */
export type NamedMethodOptions = { [M in FitMethodName]: { method: M } & MethodOptions<M> }[FitMethodName];

/**
 * Options of a fit whose method is chosen by the problem (lm with residuals, else amoeba): only
 * the options both of those understand.
 */
export type DefaultMethodOptions = { method?: undefined } & {
  [K in keyof MethodOptions<"lm"> & keyof MethodOptions<"amoeba">]?: MethodOptions<"lm">[K];
};

/**
 * Options of `fit(problem, options)`: `{ method: "dream", samples: 20000, seed: 1 }`. Each method
 * takes its own options and those of every method (`starts`, `seed`, `monitor`, `signal`,
 * `onFailure`); `fit()` refuses any other, before running, naming the closest valid one.
 */
export type FitOptions = NamedMethodOptions | DefaultMethodOptions;
