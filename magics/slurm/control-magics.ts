/** `%scancel`, `%scontrol hold|release|show job`, `%sinfo`, `%slurm backend`. */
import * as jobs from "../../jobs/api.js";
import type { MimeBundle } from "../../schema/display.js";
import { type Magic } from "../../kernel/magics/types.js";
import { describeCancel } from "../../jobs/render.js";
import { userErrors, words } from "./magic-support.js";
import { UserError } from "../../util/user-error.js";

function ids(magic: string, argv: string[]): string[] {
  const option = argv.find((a) => a.startsWith("-"));
  if (option) throw new UserError(`%${magic}: unknown option ${option} (give job ids only)`);
  if (argv.length === 0) throw new UserError(`%${magic}: give at least one job id`);
  return argv.flatMap((a) => a.split(",")).filter((a) => a !== "");
}

/** `%scancel ID...`. */
export const scancelMagic: Magic = {
  name: "scancel",
  kind: "line",
  summary: "Cancel jobs (array ids cancel every task).",
  usage: "%scancel ID [ID...]",
  async run(args, context) {
    const list = ids("scancel", words(args));
    const outcomes = await userErrors("scancel", () => jobs.cancel(list));
    context.output.stream("stdout", `${outcomes.map(describeCancel).join("\n")}\n`);
  },
};

/** `%scontrol hold|release ID...` and `%scontrol show job ID`. */
export const scontrolMagic: Magic = {
  name: "scontrol",
  kind: "line",
  summary: "Hold or release pending jobs, or show one job's details.",
  usage: "%scontrol hold ID...\n%scontrol release ID...\n%scontrol show job ID",
  async run(args, context) {
    const [verb, ...rest] = words(args);
    if (verb === "hold" || verb === "release") {
      const list = ids(`scontrol ${verb}`, rest);
      await userErrors("scontrol", () => (verb === "hold" ? jobs.hold(list) : jobs.release(list)));
      context.output.stream("stdout", `${verb === "hold" ? "Held" : "Released"} ${list.join(", ")}\n`);
      return undefined;
    }
    if (verb === "show") {
      if (rest[0] !== "job" || rest.length !== 2) throw new UserError("%scontrol: use %scontrol show job ID");
      const record = await userErrors("scontrol", () => jobs.show(rest[1]));
      context.output.display({
        "text/plain": Object.entries(record)
          .map(([k, v]) => `${k}=${v}`)
          .join("\n"),
        "application/json": record,
      });
      return record;
    }
    throw new UserError(`%scontrol: unknown command "${verb ?? ""}" (hold, release, show job)`);
  },
};

/** `%sinfo`: partitions and nodes. */
export const sinfoMagic: Magic = {
  name: "sinfo",
  kind: "line",
  summary: "Partitions and nodes of the current backend.",
  usage: "%sinfo",
  async run(args, context) {
    if (words(args).length > 0) throw new UserError("%sinfo takes no arguments");
    const [partitions, nodes] = await userErrors("sinfo", () => Promise.all([jobs.partitions(), jobs.nodes()]));
    const lines = ["PARTITION  AVAIL  TIMELIMIT  NODES  CPUS(A/I/T)"];
    for (const p of partitions) {
      lines.push(
        `${(p.name + (p.default ? "*" : "")).padEnd(10)} ${(p.available ? "up" : "down").padEnd(6)} ${(p.timeLimit === null ? "infinite" : `${p.timeLimit}s`).padEnd(10)} ${String(p.nodes).padEnd(6)} ${p.cpusAllocated}/${p.cpusIdle}/${p.cpusTotal}`,
      );
    }
    lines.push("", "NODE       STATE      CPUS(A/T)  PARTITIONS");
    for (const n of nodes)
      lines.push(
        `${n.name.padEnd(10)} ${n.state.padEnd(10)} ${`${n.cpusAllocated}/${n.cpus}`.padEnd(10)} ${n.partitions.join(",")}`,
      );
    const bundle: MimeBundle = { "text/plain": lines.join("\n"), "application/json": { partitions, nodes } };
    context.output.display(bundle);
    return { partitions, nodes };
  },
};

/** `%slurm backend [slurm|local|auto]`. */
export const slurmMagic: Magic = {
  name: "slurm",
  kind: "line",
  summary: "Show or choose the jobs backend: %slurm backend [slurm|local|auto].",
  usage: "%slurm backend            (show the current backend)\n%slurm backend slurm|local|auto",
  async run(args, context) {
    const [verb, choice, extra] = words(args);
    if (verb !== "backend" || extra !== undefined) throw new UserError("%slurm: use %slurm backend [slurm|local|auto]");
    if (choice === undefined) {
      const kind = await userErrors("slurm", async () => jobs.backend().kind);
      context.output.stream("stdout", `backend: ${kind}\n`);
      return kind;
    }
    if (choice !== "slurm" && choice !== "local" && choice !== "auto")
      throw new UserError(`%slurm backend: unknown backend "${choice}" (slurm, local or auto)`);
    const kind = await userErrors("slurm", async () => jobs.useBackend(choice).kind);
    context.output.stream("stdout", `backend: ${kind}\n`);
    return kind;
  },
};
