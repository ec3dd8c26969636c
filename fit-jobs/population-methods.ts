/**
 * Methods that evaluate whole populations, and so can be spread over workers: those that take a
 * population evaluator. A module of its own so that checking `--ntasks` does not load the job
 * driver (and ZeroMQ) into the kernel.
 */
import { FIT_OPTIONS } from "../fit/options/definitions.js";
import { methodsOf } from "../fit/options/spec.js";

export const POPULATION_METHODS: readonly string[] = methodsOf(FIT_OPTIONS.evaluator);
