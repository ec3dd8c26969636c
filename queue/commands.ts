/**
 * The `queue` command with its verbs, defined once with commander and used by both front doors:
 * `hpcfit queue ...` on the command line and `%queue ...` in a notebook. Each verb lives in its
 * own module under `verbs/`; each front door supplies a {@link QueueFrontDoor} that decides where
 * text and values go.
 */
import { Command } from "commander";
import { verbDoor, type QueueFrontDoor, type QueueVerb } from "./front-door.js";
import { addVerb } from "./verbs/add.js";
import { createVerb } from "./verbs/create.js";
import { deleteVerb } from "./verbs/delete.js";
import { launchVerb } from "./verbs/launch.js";
import { listVerb } from "./verbs/list.js";
import { loadVerb } from "./verbs/load.js";
import { pauseResumeVerbs } from "./verbs/pause-resume.js";
import { requeueVerbs } from "./verbs/requeue.js";
import { statusVerb } from "./verbs/status.js";
import { tasksVerb } from "./verbs/tasks.js";
import { workVerb } from "./verbs/work.js";

/** The verbs in the order `queue --help` lists them. */
const VERBS: readonly QueueVerb[] = [
  createVerb,
  listVerb,
  statusVerb,
  addVerb,
  loadVerb,
  tasksVerb,
  requeueVerbs,
  pauseResumeVerbs,
  deleteVerb,
  launchVerb,
  workVerb,
];

/**
 * Builds the `queue` command with its subcommands. `configure` runs before the verbs are added,
 * so that they inherit what it sets (the magic redirects commander's exits and output).
 */
export function buildQueueCommand(io: QueueFrontDoor, configure?: (c: Command) => void): Command {
  const cmd = new Command("queue").description("A task queue: many small tasks over a few batch jobs, nothing lost.");
  configure?.(cmd);
  const door = verbDoor(io);
  for (const verb of VERBS) verb(cmd, door);
  return cmd;
}
