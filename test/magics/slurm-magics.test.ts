// The issue-5 scenarios against the real Slurm test cluster started by test/setup/global.ts.
import { inject } from "vitest";
import { defineJobScenarios } from "../jobs/scenarios.js";

// The cluster's configuration reaches every Slurm command through SLURM_CONF.
process.env.SLURM_CONF = inject("slurmConf");
// Slurm's smallest limit is one minute (OverTimeLimit=0 in the test cluster: killed right at it).
defineJobScenarios({ backend: "slurm", timeLimit: "1", timeoutWaitMs: 150_000, cpusPerNode: inject("slurmCpusPerNode") });
