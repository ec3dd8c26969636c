/**
 * Where a model's data files are, and which of them a fit job takes along. {@link readData}
 * resolves every path here: a relative path against the working directory, a `file:` URL as the
 * file it names (`new URL("run.dat", import.meta.url)`: the file beside the model, wherever the
 * model is run from).
 *
 * A fit job runs a copy of its model (`model.ts` in the job's directory) with the job's directory
 * as its working directory, so its data files must lie in that directory as they lay around the
 * model: relative to the model's folder (the notebook's folder for a `%%fit` cell, the model
 * file's folder for the Jobs panel's form). The job's check loads the copy while
 * {@link gatherDataFiles} is on: a data file the copy looks for in the job directory is read from
 * the model's folder instead and noted, and the job then copies the noted files in. The job is
 * thus whole in its directory (a resume, or another kernel, finds the same data), and a model
 * reads its data the same way in `hpcfit fit`, in a cell, and in a job.
 */
import { existsSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../../util/user-error.js";

/** A data file a fit job takes along. */
export interface GatheredDataFile {
  /** Where the job reads it: relative to the job directory (and to the model's folder). */
  path: string;
  /** The file in the model's folder (absolute). */
  source: string;
}

/** The check of a fit job's model, while it gathers data files. */
interface Gathering {
  jobDir: string;
  sourceDir: string;
  isJobFile: (name: string) => boolean;
  files: Map<string, GatheredDataFile>;
}

// Kept on globalThis: a model may import another loaded copy of hpcfit, whose readData must see it too.
const GATHERING = Symbol.for("hpcfit.gatherDataFiles");
const state = globalThis as { [GATHERING]?: Gathering };

/** A path or `file:` URL as an absolute path. */
function absolutePath(path: string | URL): string {
  if (typeof path === "string") return resolve(path);
  if (path.protocol !== "file:") throw new UserError(`readData reads local files; ${path.href} is not a file: URL`);
  return fileURLToPath(path);
}

/**
 * The file `readData(path)` reads: `path` resolved against the working directory (a `file:` URL
 * as is), or while a fit job's check gathers data files, the model folder's file that the job
 * will have at that place.
 * @throws UserError for a URL that is not a `file:` URL, for a data file the check finds outside
 *   the model's folder by a path that leaves it, and for one that would take the place of a file
 *   of the job's own
 */
export function dataFilePath(path: string | URL): string {
  const file = absolutePath(path);
  const gathering = state[GATHERING];
  if (gathering === undefined) return file;
  const { jobDir, sourceDir } = gathering;
  const rel = relative(jobDir, file);
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    // Outside the job directory a file is read where it is, in the check as in the job; a path that
    // leads out of the model's folder to a file the job could not find is the user's to fix.
    const meant = resolve(sourceDir, rel);
    if (rel !== "" && !existsSync(file) && existsSync(meant))
      throw new UserError(
        `data file ${meant} lies outside the model's folder ${sourceDir}: a fit job takes along only the data files inside it; ` +
          "move it there or name it by its absolute path",
      );
    return file;
  }
  const source = join(sourceDir, rel);
  const first = rel.split(sep)[0];
  if (gathering.isJobFile(first))
    throw new UserError(`data file ${source} has the name of a fit job's own ${first}; rename the data file`);
  gathering.files.set(rel, { path: rel, source });
  return source;
}

/**
 * Has {@link dataFilePath} (so `readData`) read the data files of the model in `jobDir` from
 * `sourceDir`, and note them, until {@link gatheredDataFiles} is called. For a fit job's check,
 * run in its own process with `jobDir` as the working directory.
 * @param isJobFile whether a name in the job directory is one of the job's own files (a data file may not take it)
 */
export function gatherDataFiles(jobDir: string, sourceDir: string, isJobFile: (name: string) => boolean): void {
  state[GATHERING] = { jobDir: resolve(jobDir), sourceDir: resolve(sourceDir), isJobFile, files: new Map() };
}

/** The data files read since {@link gatherDataFiles}, in the order first read; gathering stops. */
export function gatheredDataFiles(): GatheredDataFile[] {
  const files = [...(state[GATHERING]?.files.values() ?? [])];
  delete state[GATHERING];
  return files;
}
