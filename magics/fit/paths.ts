/**
 * Where the compiled programs a fit job runs live: the job's driver and the `hpcfit` CLI (for the
 * srun'd workers). From TypeScript sources (tests) these are the compiled twins in `dist/`.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

function compiled(relativeToDist: string): string {
  const self = import.meta.url.split(/[?#]/, 1)[0]!;
  const url = self.endsWith(".ts")
    ? new URL(`../../dist/${relativeToDist}`, self)
    : new URL(`../../${relativeToDist}`, self);
  const path = fileURLToPath(url);
  if (!existsSync(path)) throw new Error(`fit job: ${path} is missing; build hpcfit first (npx tsc -p tsconfig.json)`);
  return path;
}

/** The job driver script (`node job-main.js DIR`). */
export function driverScript(): string {
  return compiled("magics/fit/job-main.js");
}

/** The model checker (`node check-model.js MODEL`). */
export function checkModelScript(): string {
  return compiled("magics/fit/check-model.js");
}

/** The `hpcfit` command's entry (`node main.js fit-worker ...`). */
export function cliScript(): string {
  return compiled("cli/main.js");
}
