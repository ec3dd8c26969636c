// What the tests of parallel evaluation share: the model file their worker threads load (the
// threads run the compiled JavaScript in dist/: `npm test` builds it first, or
// `npx tsc -p tsconfig.json`) and the check that a parallel fit gave the serial fit's bits.
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { FitResult } from "hpcfit";

/** The peak model of test/fit/mcmc-fixtures, as a model file for worker threads. */
export const peakModelFile = fileURLToPath(new URL("../fit/mcmc-fixtures/peak-model.ts", import.meta.url));

const bits = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Expects `parallel` to be `serial` bit for bit: values, covariance, chisq, nllf, evaluations, outcome. */
export function expectIdenticalFits(parallel: FitResult, serial: FitResult): void {
  expect(bits(parallel.x).equals(bits(serial.x))).toBe(true);
  expect(bits(parallel.cov).equals(bits(serial.cov))).toBe(true);
  expect(parallel.chisq).toBe(serial.chisq);
  expect(parallel.nllf).toBe(serial.nllf);
  expect(parallel.evaluations).toBe(serial.evaluations);
  expect(parallel.converged).toBe(serial.converged);
  expect(parallel.message).toBe(serial.message);
}
