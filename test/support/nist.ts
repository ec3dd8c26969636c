// Reads the NIST StRD fixtures of test/fixtures/nist for tests.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseNist, type NistDataset } from "../../nist/index.js";

const DIR = fileURLToPath(new URL("../fixtures/nist/", import.meta.url));

/** One row of INDEX.tsv. */
export interface NistIndexEntry {
  name: string;
  level: "Lower" | "Average" | "Higher";
  nparams: number;
  nobs: number;
}

/** The 27 problems listed in INDEX.tsv. */
export function nistIndex(): NistIndexEntry[] {
  const lines = readFileSync(DIR + "INDEX.tsv", "utf8")
    .trim()
    .split("\n")
    .slice(1);
  return lines.map((l) => {
    const c = l.split("\t");
    return { name: c[0], level: c[1] as NistIndexEntry["level"], nparams: Number(c[2]), nobs: Number(c[3]) };
  });
}

/** The parsed dataset called `name`. */
export function loadNist(name: string): NistDataset {
  return parseNist(readFileSync(`${DIR}${name}.dat`, "utf8"), name);
}

/** Digits of agreement (log relative error, capped at 15): −log10(|a − b| / |b|). */
export function digits(value: number, certified: number): number {
  if (value === certified) return 15;
  const rel = Math.abs(value - certified) / Math.abs(certified);
  return Number.isFinite(rel) ? Math.min(15, -Math.log10(rel)) : 0;
}
