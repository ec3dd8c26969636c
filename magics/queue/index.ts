export { create, connect, list, remove, Queue, type CreateOptions, type LocationOptions, type LoadOptions, type QueueListing, type RerunOptions } from "./queue.js";
export { QueueError } from "./errors.js";
export { QueueStatus, type QueueStatusData } from "./status.js";
export { queuesRoot } from "./location.js";
export { expandTemplate, shellQuote } from "./template.js";
export { parseTaskLines } from "./task-input.js";
export type { TaskContext, TaskFunction, TaskReport, WorkOptions, WorkSummary } from "./worker.js";
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
  type TaskInput,
  type TaskOutcome,
  type TaskParams,
  type TaskState,
} from "./types.js";
export { launchWorkers, cliEntryPoint, type LaunchOptions, type LaunchResult } from "./launch.js";
export { buildQueueCommand, type QueueFrontDoor } from "./commands.js";
export { TaskTable, taskTable, formatTaskTable } from "./task-table.js";
