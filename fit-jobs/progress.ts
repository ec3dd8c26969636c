/**
 * The small progress file a running fit job writes into its store (`store/progress.json`) and the
 * kernel polls: where the sampler is, how good the best point is, how well the chains mix so far,
 * and how long is left. Written atomically, when the sampler starts running and then at most
 * about once a second.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { rankRhat } from "../fit/mcmc/convergence.js";
import type { StopReason } from "../fit/stop-reason.js";
import { STORE_DIR, writeAtomic } from "./job-directory.js";
import type { RoundTimes, WorkerInfo } from "../fit/node/zmq-evaluator.js";
import { formatRate } from "../util/rate.js";

/** The progress file's name inside the store. */
export const PROGRESS_FILE = "progress.json";

/** What `progress.json` holds. */
export interface FitProgress {
  version: 1;
  /** starting → running → done, or failed. */
  phase: "starting" | "running" | "done" | "failed";
  method: string;
  /** Generations (samplers) or steps done, and the total when known. */
  step: number;
  total: number | null;
  /** Burn-in generations (samplers). */
  burn: number | null;
  /** Best negative log-likelihood so far and its reduced chi-square when the problem has residuals. */
  bestNllf: number | null;
  chisq: number | null;
  /** Acceptance rate of the last generation (samplers). */
  acceptance: number | null;
  /** Rank-normalized split R-hat (Vehtari et al. 2021) of the chains' log-posterior over the latter half of the run so far. */
  rhat: number | null;
  /** Model evaluations so far, every start's (the workers' included as their batches return); absent until known. */
  evaluations?: number;
  /** Evaluations per second since the fit began running (when done: over the whole fit); absent until known. */
  evaluationsPerSecond?: number;
  /** The method's status line (lm: the Jacobians' share of the evaluations and of the time); absent when it has none. */
  status?: string;
  /** Seconds since the fit started, and the estimate of what is left. */
  elapsed: number;
  remaining: number | null;
  /** Seconds spent inside the fit itself (set when done): no start-up, no waiting for workers. */
  fitSeconds?: number;
  /** Of {@link fitSeconds}, those the model band took after the sampler ended (set when done, when a band was made). */
  bandSeconds?: number;
  /** Of {@link fitSeconds}, those a sampler's result took to build after its last generation (statistics, diagnostics; set when done). */
  summarySeconds?: number;
  /** Generation the run resumed from (0 for a fresh run). */
  resumedFrom: number;
  workers: WorkerInfo[];
  /** Where a spread fit's rounds spend their time so far; absent without workers, or before a round ended. */
  rounds?: RoundTimes;
  /** Why it failed. */
  error?: string;
  /** When done: why sampling ended before its planned end (the stored result holds the draws so far). */
  stopped?: StopReason;
  /** ISO time of writing. */
  updated: string;
}

/** Path of the progress file of a job directory. */
export function progressPath(dir: string): string {
  return join(dir, STORE_DIR, PROGRESS_FILE);
}

/** Writes the progress file. */
export function writeProgress(dir: string, progress: FitProgress): void {
  writeAtomic(progressPath(dir), JSON.stringify(progress) + "\n");
}

/** Reads the progress file; undefined while the job has not written one (or it is unreadable). */
export function readProgress(dir: string): FitProgress | undefined {
  const path = progressPath(dir);
  if (!existsSync(path)) return undefined;
  try {
    const p = JSON.parse(readFileSync(path, "utf8")) as FitProgress;
    return p.version === 1 ? p : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Rank-normalized split R-hat (Vehtari et al. 2021, the larger of bulk and folded) of the
 * log-posterior traces over the latter half of `generations` generations of `nchains` chains,
 * stored generation-major in `history`. A cheap convergence signal while the run goes on.
 */
export function logpRhat(history: Float64Array, nchains: number, generations: number): number {
  const from = Math.floor(generations / 2);
  const draws = generations - from;
  const x = new Float64Array(nchains * draws);
  for (let c = 0; c < nchains; c++) for (let t = 0; t < draws; t++) x[c * draws + t] = history[(from + t) * nchains + c];
  return rankRhat(x, nchains, draws);
}

/** A duration as `1h 02m`, `3m 05s` or `12 s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** One line describing the progress, e.g. `dream generation 120/300 (burn-in) ...`. */
export function progressLine(p: FitProgress): string {
  const parts: string[] = [];
  const unit = p.burn !== null ? "generation" : "step";
  parts.push(
    `${p.method} ${unit} ${p.step}${p.total !== null ? `/${p.total}` : ""}${p.burn !== null && p.step <= p.burn ? " (burn-in)" : ""}`,
  );
  if (p.chisq !== null) parts.push(`best chisq ${p.chisq.toPrecision(5)}`);
  else if (p.bestNllf !== null) parts.push(`best logp ${(-p.bestNllf).toPrecision(6)}`);
  if (p.acceptance !== null) parts.push(`acceptance ${p.acceptance.toFixed(2)}`);
  if (p.rhat !== null && Number.isFinite(p.rhat)) parts.push(`R-hat ${p.rhat.toFixed(3)}`);
  if (p.evaluations !== undefined) {
    const rate = p.evaluationsPerSecond;
    parts.push(`${p.evaluations} evaluations${rate !== undefined && Number.isFinite(rate) ? ` (${formatRate(rate)}/s)` : ""}`);
  }
  if (p.workers.length > 0) parts.push(workersPart(p.workers));
  if (p.rounds !== undefined) parts.push(roundsText(p.rounds));
  if (p.remaining !== null) parts.push(`~${formatDuration(p.remaining)} left`);
  // The status has commas of its own (lm's "Jacobians 40% of them, 55% of the time").
  return parts.join(", ") + (p.status !== undefined && p.status !== "" ? `; ${p.status}` : "");
}

/**
 * `22.9 ms per round (workers 21.8, transport 0.80, sampler 0.30 between rounds)`: where a spread
 * fit's rounds spend their time, in means.
 */
export function roundsText(r: RoundTimes): string {
  const ms = (v: number): string => v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2);
  return `${ms(r.roundMs)} ms per round (workers ${ms(r.workerMs)}, transport ${ms(r.transportMs)}, sampler ${ms(r.betweenMs)} between rounds)`;
}

/**
 * `16/16 workers on n1-n4`-like text: how many evaluation workers (threads of the worker
 * processes, one per task) are alive, on how many nodes,
 * and which nodes lost workers (a node gone mid-fit shows here until the fit ends).
 */
function workersPart(workers: WorkerInfo[]): string {
  const alive = workers.filter((w) => w.alive);
  // Progress files written before workers carried a node name have only the host, and before
  // they had threads, one evaluation worker per process.
  const nodeOf = (w: WorkerInfo): string => w.node ?? w.host;
  const threadsOf = (list: WorkerInfo[]): number => list.reduce((n, w) => n + (w.threads ?? 1), 0);
  const nodes = new Set(alive.map(nodeOf));
  let text = `${threadsOf(alive)}/${threadsOf(workers)} workers on ${nodes.size} node${nodes.size === 1 ? "" : "s"}`;
  const lost = [...new Set(workers.filter((w) => !w.alive).map(nodeOf))];
  if (lost.length > 0) text += ` (lost on ${lost.join(", ")})`;
  return text;
}
