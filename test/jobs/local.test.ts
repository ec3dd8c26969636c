// The issue-5 scenarios against hpcfit's local scheduler.
import { defineJobScenarios } from "./scenarios.js";

process.env.HPCFIT_LOCAL_CPUS = "2";
defineJobScenarios({ backend: "local", timeLimit: "0:02", timeoutWaitMs: 30_000, cpusPerNode: 2 });
