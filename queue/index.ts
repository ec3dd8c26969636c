export {
  create,
  connect,
  list,
  remove,
  Queue,
  type CreateOptions,
  type LocationOptions,
  type LoadOptions,
  type QueueListing,
  type RerunOptions,
} from "./queue.js";
export { UserError } from "../util/user-error.js";
export { QueueStatus, type QueueStatusData } from "./status.js";
export { queuesRoot } from "./location.js";
export { expandTemplate } from "./template.js";
export { shellQuote } from "../util/shell.js";
export { parseTaskLines } from "./task-input.js";
export type { TaskContext, TaskFunction, TaskReport, WorkOptions, WorkSummary } from "./worker.js";
export type { BatchSetting } from "./batch-size.js";
export {
  TASK_STATES,
  type AddOptions,
  type ClaimedTask,
  type ParamValue,
  type QueueInfo,
  type QueueState,
  type QueueStorage,
  type StateCounts,
  type Task,
  type TaskFilter,
  type TaskAttempt,
  type TaskInput,
  type TaskOutcome,
  type TaskParams,
  type TaskState,
} from "./types.js";
export { launchWorkers, type LaunchOptions, type LaunchResult } from "./launch.js";
export { buildQueueCommand } from "./commands.js";
export type { QueueFrontDoor } from "./front-door.js";
export { TaskTable, taskTable, formatTaskTable, taskCommandText, type TaskKind } from "./task-table.js";
