/**
 * vitest globalSetup: starts the private Slurm test cluster once for the whole run and stops it
 * afterwards. Tests read its configuration with `inject("slurmConf")` (the same path is also in
 * `process.env.SLURM_CONF` of the workers). A cluster that fails to start fails the run with the
 * reason; nothing is skipped.
 */
import type { TestProject } from "vitest/node";
import { startSlurmCluster } from "./slurm-cluster.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Path of the test cluster's slurm.conf. */
    slurmConf: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startSlurmCluster();
  process.env.SLURM_CONF = cluster.env.SLURM_CONF;
  project.provide("slurmConf", cluster.env.SLURM_CONF);
  return async () => {
    await cluster.stop();
  };
}
