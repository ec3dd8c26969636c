/**
 * A DREAM run's checkpoint in the store (`store/checkpoint.json`): the sampler's whole state, its
 * floating-point arrays as base64 of their bytes so that the resumed run continues bit for bit.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { DreamCheckpoint } from "../fit/samplers/dream.js";
import { STORE_DIR, writeAtomic } from "./job-directory.js";

/** The checkpoint's file name inside the store. */
export const CHECKPOINT_FILE = "checkpoint.json";

const ARRAYS = [
  "x",
  "logp",
  "pCR",
  "crJump",
  "crCount",
  "points",
  "keptLogp",
  "genDraws",
  "genAcceptance",
  "genLogp",
  "bestX",
] as const;

/** Path of the checkpoint of a job directory. */
export function checkpointPath(dir: string): string {
  return join(dir, STORE_DIR, CHECKPOINT_FILE);
}

function encode(a: Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}

function decode(text: unknown, what: string): Float64Array {
  if (typeof text !== "string") throw new Error(`checkpoint: ${what} is missing`);
  const bytes = Buffer.from(text, "base64");
  if (bytes.byteLength % 8 !== 0) throw new Error(`checkpoint: ${what} is not an array of doubles`);
  const out = new Float64Array(bytes.byteLength / 8);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Writes a checkpoint atomically (a job killed while writing keeps the previous one). */
export function writeCheckpoint(dir: string, state: DreamCheckpoint): void {
  const doc: Record<string, unknown> = { ...state, bestLogp: String(state.bestLogp) };
  for (const k of ARRAYS) doc[k] = encode(state[k]);
  writeAtomic(checkpointPath(dir), JSON.stringify({ kind: "hpcfit.dream-checkpoint", state: doc }) + "\n");
}

/** Reads the checkpoint of a job directory, or undefined when there is none. */
export function readCheckpoint(dir: string): DreamCheckpoint | undefined {
  const path = checkpointPath(dir);
  if (!existsSync(path)) return undefined;
  const doc = JSON.parse(readFileSync(path, "utf8")) as { kind?: string; state?: Record<string, unknown> };
  if (doc.kind !== "hpcfit.dream-checkpoint" || doc.state === undefined) throw new Error(`${path} is not a DREAM checkpoint`);
  const s = doc.state;
  const state = { ...s, bestLogp: Number(s.bestLogp) } as Record<string, unknown>;
  for (const k of ARRAYS) state[k] = decode(s[k], k);
  return state as unknown as DreamCheckpoint;
}
