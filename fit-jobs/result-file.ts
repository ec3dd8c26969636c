/**
 * Which file holds a batch job's stored fit result, so that the Jobs panel offers "Results" only
 * for jobs that have one, and opens that job's, never another's found nearby.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { JobRow } from "../schema/jobs.js";
import { readSpec, SPEC_FILE, STORE_DIR } from "./job-directory.js";

/** A stored result: `<name>.json` beside its `<name>.par` (fit/node/store.ts writes both). */
function storedResult(dir: string): string | null {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  const json = names.filter((n) => n.endsWith(".json") && names.includes(`${n.slice(0, -".json".length)}.par`)).sort();
  return json.length > 0 ? join(dir, json[0]) : null;
}

/**
 * The result file of `row`'s job, or null while it has none:
 * - a `%%fit` job (its directory holds `fit-job.json`): `store/<name>.json` of that directory;
 * - any other job: a result stored in a folder named for this job (`<anything>-<jobid>`, as the
 *   panel's fit form writes `<results>/<name>-$SLURM_JOB_ID`) in its directory or one level below.
 * Results of other jobs in the same directory are never taken for this one's.
 */
export function fitResultFile(row: JobRow): string | null {
  const dir = row.directory;
  if (existsSync(join(dir, SPEC_FILE))) {
    const spec = readSpec(dir);
    const file = join(dir, STORE_DIR, `${spec.storeName}.json`);
    // A job directory resumed by a later job belongs to the newest; its results are that job's.
    return existsSync(file) && spec.jobIds.includes(row.id) ? file : null;
  }
  const suffixes = [`-${row.id}`, `-${row.jobId}`];
  const named = (name: string): boolean => suffixes.some((s) => name.endsWith(s));
  const folders = (parent: string): string[] => {
    try {
      return readdirSync(parent)
        .filter((n) => statSync(join(parent, n)).isDirectory())
        .map((n) => join(parent, n));
    } catch {
      return [];
    }
  };
  for (const child of folders(dir)) {
    const candidates = named(child.slice(child.lastIndexOf("/") + 1))
      ? [child]
      : folders(child).filter((g) => named(g.slice(g.lastIndexOf("/") + 1)));
    for (const candidate of candidates) {
      const found = storedResult(candidate);
      if (found) return found;
    }
  }
  return null;
}
