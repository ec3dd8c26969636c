import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

// Tests import the package by name; point it at the sources so a test never runs stale output.
// Tests that start the kernel as a process use the built `dist/` (npm test builds first).
export default defineConfig({
  resolve: {
    alias: { hpcfit: fileURLToPath(new URL("./index.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ["default", "json"],
    outputFile: { json: "test-artifacts/vitest-report.json" },
    globalSetup: ["test/setup/global.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    // Two cores: kernels, Slurm and browsers started by tests compete for them.
    maxWorkers: 2,
  },
});
