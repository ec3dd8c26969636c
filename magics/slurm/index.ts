// The Slurm magics: %sbatch/%%sbatch, %squeue, %scancel, %scontrol, %sinfo, %sacct, %jobs, %tail, %wait, %slurm.
export { registerSlurmMagics, slurmMagics } from "./register.js";
export { JobList } from "./magic-support.js";
