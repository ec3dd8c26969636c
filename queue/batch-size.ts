/**
 * How many tasks a worker claims per exchange with the storage. A fixed number, or `"auto"`: as
 * many as make the exchange a small share of the time the tasks take, within a bound on the work
 * a worker holds unstarted. Short tasks are then claimed many at a time (their cost is the round
 * trip to the database), long ones one at a time (a worker that dies holds no queue of long tasks
 * hostage until their leases run out).
 */
import { UserError } from "../util/user-error.js";

/** A worker's batch size: a whole number of tasks per claim, or `"auto"`. */
export type BatchSetting = number | "auto";

/** The most tasks an automatic batch claims at once. */
export const MAX_AUTO_BATCH = 256;
/** The share of a worker's time the queue's exchanges may take before batches grow. */
const EXCHANGE_SHARE = 0.1;
/**
 * The work (ms, by the tasks' recent duration) an automatic batch may hold beyond the task that
 * runs: it bounds how long a claimed task waits to start, how long a finished one waits to be
 * recorded, and how late a task of higher priority is taken up.
 */
export const HOLD_BUDGET_MS = 200;
/** Weight of the newest duration in the running means. */
const WEIGHT = 0.3;

/** Checks a batch setting from a caller. */
export function checkBatch(value: BatchSetting | undefined): BatchSetting {
  if (value === undefined || value === "auto") return "auto";
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1)
    throw new UserError(`batch must be a whole number >= 1 or "auto", got ${JSON.stringify(value)}.`);
  return value;
}

/** Sizes one worker's claims from the durations it has seen. */
export class BatchSizer {
  /** Running mean of a task's duration (ms); undefined before the first. */
  private taskMs: number | undefined;
  /** Running mean of an exchange's duration (ms). */
  private exchangeMs: number | undefined;

  constructor(private readonly setting: BatchSetting) {}

  /** Notes how long a task took. A longer one counts in full at once: long tasks shrink batches at the next claim. */
  observeTask(ms: number): void {
    this.taskMs = this.taskMs === undefined || ms > this.taskMs ? ms : this.taskMs + WEIGHT * (ms - this.taskMs);
  }

  /** Notes how long an exchange with the storage took. */
  observeExchange(ms: number): void {
    this.exchangeMs = this.exchangeMs === undefined ? ms : this.exchangeMs + WEIGHT * (ms - this.exchangeMs);
  }

  /** How many tasks to claim now (1 until a task and an exchange have been timed). */
  size(): number {
    if (this.setting !== "auto") return this.setting;
    if (this.taskMs === undefined || this.exchangeMs === undefined) return 1;
    const task = Math.max(this.taskMs, 0.001);
    const wanted = Math.ceil(this.exchangeMs / (EXCHANGE_SHARE * task));
    const held = Math.max(1, Math.floor(HOLD_BUDGET_MS / task) + 1);
    return Math.max(1, Math.min(wanted, held, MAX_AUTO_BATCH));
  }

  /**
   * How many of `waiting` claimed, unstarted tasks to give back now: with `"auto"`, those beyond
   * the current size once they add up to more than twice the budget (the tasks turned out long).
   */
  surplus(waiting: number): number {
    if (this.setting !== "auto" || this.taskMs === undefined) return 0;
    const keep = this.size() - 1;
    if (waiting <= keep || waiting * this.taskMs <= 2 * HOLD_BUDGET_MS) return 0;
    return waiting - keep;
  }
}
