/**
 * The state a batch of new tasks starts in, decided from their requirements the same way by every
 * storage: any requirement failed -> FAILED, all succeeded -> PENDING, else WAITING.
 */
import type { NewTaskRow, TaskState } from "./types.js";
import { UserError } from "../util/user-error.js";

/** The initial state of each row of a batch, and the reason of those that start FAILED. */
export interface BatchStates {
  states: TaskState[];
  errors: Array<string | null>;
}

/**
 * Decides the initial states of `rows`; `stateOf` gives the current state of an existing task
 * (undefined when there is none, which is an error). Batch members are new (never succeeded), so
 * they only decide FAILED against WAITING.
 */
export function batchStates(rows: readonly NewTaskRow[], stateOf: (id: number) => TaskState | undefined): BatchStates {
  const states: TaskState[] = new Array<TaskState>(rows.length);
  const errors: Array<string | null> = new Array<string | null>(rows.length).fill(null);
  for (const i of topologicalOrder(rows)) {
    const row = rows[i];
    let state: TaskState = "PENDING";
    for (const req of row.requiresIds) {
      const s = stateOf(req);
      if (s === undefined) throw new UserError(`Task requires task ${req}, which does not exist.`);
      if (s === "FAILED") {
        state = "FAILED";
        errors[i] = `requires task ${req}, which failed`;
        break;
      }
      if (s !== "SUCCEEDED") state = "WAITING";
    }
    if (state !== "FAILED") {
      for (const b of row.requiresBatch) {
        if (states[b] === "FAILED") {
          state = "FAILED";
          errors[i] = "a task it requires failed";
          break;
        }
        state = "WAITING";
      }
    }
    states[i] = state;
  }
  return { states, errors };
}

/** Batch indexes ordered so that each task comes after the batch tasks it requires. */
function topologicalOrder(rows: readonly NewTaskRow[]): number[] {
  const order: number[] = [];
  const done = new Uint8Array(rows.length);
  for (let start = 0; start < rows.length; start++) {
    if (done[start]) continue;
    if (rows[start].requiresBatch.length === 0) {
      done[start] = 1;
      order.push(start);
      continue;
    }
    // Iterative depth-first post-order (a recursive one overflows on long chains).
    const stack: Array<[number, number]> = [[start, 0]];
    done[start] = 2;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const reqs = rows[top[0]].requiresBatch;
      if (top[1] < reqs.length) {
        const next = reqs[top[1]++];
        if (!done[next]) {
          done[next] = 2;
          stack.push([next, 0]);
        }
      } else {
        done[top[0]] = 1;
        order.push(top[0]);
        stack.pop();
      }
    }
  }
  return order;
}
