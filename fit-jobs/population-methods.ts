/**
 * Which methods a fit job can spread over workers: those that take an evaluator for their
 * independent points (`lm`'s Jacobian columns, `amoeba`'s simplexes, `de`'s generations, the
 * samplers' populations); and which make posterior draws. A module of its own so that checking
 * `--ntasks` does not load the job driver (and ZeroMQ) into the kernel.
 */
import { FIT_OPTIONS } from "../fit/options/definitions.js";
import { methodsOf } from "../fit/options/spec.js";

/** The methods that take an evaluator, and so `--ntasks` (srun'd workers) in a fit job. */
export const POPULATION_METHODS: readonly string[] = methodsOf(FIT_OPTIONS.evaluator);

/** The methods that make posterior draws (the samplers: those that can sample until targets are met). */
export const DRAW_METHODS: readonly string[] = methodsOf(FIT_OPTIONS.until);
