// `npm run bench` (bench/run.mjs) must run every benchmark: a benchmark left out of its list is
// never re-measured and its section of bench/RESULTS.md goes stale unnoticed.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";

const bench = join(import.meta.dirname, "..", "..", "bench");

test("every benchmark is in bench/run.mjs or is started by one that is", () => {
  const list = /const BENCHES = \[([\s\S]*?)\n\];/.exec(readFileSync(join(bench, "run.mjs"), "utf8"))![1];
  const listed = new Set([...list.matchAll(/\["([\w.-]+\.mjs)"/g)].map((m) => m[1]));
  const scripts = readdirSync(bench).filter((f) => f.endsWith(".mjs") && f !== "run.mjs");
  // Modules other scripts import or start (helpers, a benchmark's own sub-measure) are named in
  // the source of a listed benchmark.
  const sources = [...listed].map((s) => readFileSync(join(bench, s), "utf8")).join("\n");
  const helpers = new Set(scripts.filter((f) => !listed.has(f) && sources.includes(f.replace(/\.mjs$/, ""))));
  const imported = scripts
    .filter((f) => helpers.has(f))
    .map((s) => readFileSync(join(bench, s), "utf8"))
    .join("\n");
  const missing = scripts.filter((f) => !listed.has(f) && !helpers.has(f) && !imported.includes(f.replace(/\.mjs$/, "")));
  expect(missing).toEqual([]);
  for (const script of listed) expect(scripts).toContain(script);
});
