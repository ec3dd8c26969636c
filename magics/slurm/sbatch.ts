/** `%sbatch` (sbatch's own command line) and `%%sbatch` (the cell is the script). */
import * as jobs from "../../jobs/api.js";
import { type Magic } from "../../kernel/magics/types.js";
import { showLive, userErrors, words } from "./magic-support.js";
import { fillTemplate } from "./template.js";
import { UserError } from "../../util/user-error.js";

const USAGE = `%sbatch [sbatch options] SCRIPT [script arguments]
%sbatch [sbatch options] --wrap "COMMAND"
%%sbatch [sbatch options]
<batch script; #SBATCH lines are read>

Submits a batch job to the current backend (Slurm, or hpcfit's local scheduler), returns the
job and shows its status live until it ends. Nothing is submitted when an option is invalid.

{{name}}, in the cell or on the magic's line, is replaced by the notebook variable name,
quoted for the shell: it is one word and nothing in it is run ($(...), ;, spaces stay text),
so write it on its own, not inside quotes: echo {{label}}. {{name|raw}} inserts the value
unquoted, for a variable that holds shell code you mean to run.`;

/** The `%sbatch` / `%%sbatch` magic. */
export const sbatchMagic: Magic = {
  name: "sbatch",
  kind: "both",
  summary: "Submit a batch job (Slurm or the local scheduler); returns the Job.",
  usage: USAGE,
  async run(args, context, body) {
    const argv = words(fillTemplate(args, context, body === undefined ? "%sbatch" : "%%sbatch"));
    let script: string | undefined;
    if (body !== undefined) {
      script = fillTemplate(body.replace(/^\s*\n/, ""), context);
      if (script.trim() === "")
        throw new UserError("%%sbatch: the cell is empty; write the batch script below the %%sbatch line");
    } else if (argv.length === 0) {
      throw new UserError(`%sbatch: nothing to submit.\n${USAGE}`);
    }
    const job = await userErrors("sbatch", () => jobs.submit({ args: argv, script, cwd: process.cwd() }));
    showLive(context, job);
    return job;
  },
};
