import type { Magic } from "../../kernel/magics/types.js";
import type { MagicRegistry } from "../../kernel/magics/registry.js";
import { scancelMagic, scontrolMagic, sinfoMagic, slurmMagic } from "./control-magics.js";
import { tailMagic, waitMagic } from "./output-magics.js";
import { jobsMagic, sacctMagic, squeueMagic } from "./queue-magics.js";
import { sbatchMagic } from "./sbatch.js";

/** Every Slurm magic. */
export const slurmMagics: readonly Magic[] = [
  sbatchMagic,
  squeueMagic,
  scancelMagic,
  scontrolMagic,
  sinfoMagic,
  sacctMagic,
  jobsMagic,
  tailMagic,
  waitMagic,
  slurmMagic,
];

/** Registers the Slurm magics on `registry`. */
export function registerSlurmMagics(registry: MagicRegistry): void {
  for (const magic of slurmMagics) registry.register(magic);
}
