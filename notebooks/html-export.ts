/**
 * The HTML copy of an executed notebook, made by nbconvert from the environment (the Jupyter that
 * serves the notebooks knows how to draw them; hpcfit does not write a second converter).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { basename, delimiter, dirname, extname, join } from "node:path";

/** The `jupyter-nbconvert` found on PATH, or null. */
export function findNbconvert(env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, "jupyter-nbconvert");
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** Where the HTML copy of `notebook` goes: beside it, `.html` for `.ipynb`. */
export function htmlPathOf(notebook: string): string {
  return join(dirname(notebook), `${basename(notebook, extname(notebook))}.html`);
}

/**
 * Converts `notebook` to HTML beside it with nbconvert.
 * @returns the HTML file's path
 * @throws Error when nbconvert is not on PATH or fails (with its last words)
 */
export function exportHtml(notebook: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const nbconvert = findNbconvert(env);
  if (nbconvert === null) return Promise.reject(new Error("jupyter-nbconvert is not on PATH, so no HTML copy was made"));
  return new Promise((resolve, reject) => {
    const child = spawn(nbconvert, ["--to", "html", notebook], { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(htmlPathOf(notebook));
      else reject(new Error(`nbconvert failed (exit ${String(code)}): ${stderr.trim().split("\n").slice(-3).join(" ")}`));
    });
  });
}
