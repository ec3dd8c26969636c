/**
 * vitest globalSetup: starts the private Slurm test cluster and the private PostgreSQL server
 * once for the whole run, side by side, and stops them afterwards.
 *
 * Tests read the cluster's configuration with `inject("slurmConf")` (the same path is also in
 * `process.env.SLURM_CONF` of the workers) and its shape with `inject("slurmNodes")` and
 * `inject("slurmCpusPerNode")`; the server's URL with `inject("postgresUrl")` (also in
 * `process.env.HPCFIT_TEST_POSTGRES_URL`). If either fails to start, the run fails with the
 * reason; nothing is skipped.
 */
import type { TestProject } from "vitest/node";
import { startPostgres, type PostgresServer } from "./postgres.js";
import { startSlurmCluster, type SlurmCluster } from "./slurm-cluster.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Path of the test cluster's slurm.conf. */
    slurmConf: string;
    /** The test cluster's node names (n1, n2, ...). */
    slurmNodes: string[];
    /** CPUs each node of the test cluster declares. */
    slurmCpusPerNode: number;
    /** URL of the test PostgreSQL server's database, as a superuser that needs no password. */
    postgresUrl: string;
  }
}

function reason(result: PromiseSettledResult<unknown>): string {
  return result.status === "rejected" ? (result.reason instanceof Error ? result.reason.message : String(result.reason)) : "";
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [slurm, postgres] = await Promise.allSettled([startSlurmCluster(), startPostgres()]);
  if (slurm.status === "rejected" || postgres.status === "rejected") {
    // Stop whichever did start: a failed run leaves nothing running.
    await Promise.all([
      slurm.status === "fulfilled" ? slurm.value.stop() : undefined,
      postgres.status === "fulfilled" ? postgres.value.stop() : undefined,
    ]);
    throw new Error([reason(slurm), reason(postgres)].filter((r) => r !== "").join("\n\n"));
  }
  const cluster: SlurmCluster = slurm.value;
  const server: PostgresServer = postgres.value;
  process.env.SLURM_CONF = cluster.env.SLURM_CONF;
  // Tests that lose nodes must start a cluster of their own; the node helpers refuse this one.
  process.env.HPCFIT_TEST_SHARED_SLURM_CONF = cluster.env.SLURM_CONF;
  process.env.HPCFIT_TEST_POSTGRES_URL = server.url;
  project.provide("slurmConf", cluster.env.SLURM_CONF);
  project.provide("slurmNodes", [...cluster.nodeNames]);
  project.provide("slurmCpusPerNode", cluster.cpusPerNode);
  project.provide("postgresUrl", server.url);
  return async () => {
    await Promise.all([cluster.stop(), server.stop()]);
  };
}
