/**
 * Methods that evaluate whole populations, and so can be spread over workers. A module of its
 * own so that checking `--ntasks` does not load the job driver (and ZeroMQ) into the kernel.
 */
export const POPULATION_METHODS = ["dream", "smc"];
