/**
 * One JupyterLab and one Chromium page for a browser test file: the folder Lab serves (a copy of
 * a folder, or an empty one) with the file's notebooks written in, an optional private job-record
 * folder and the Slurm test cluster for the kernels, and everything stopped and removed after the
 * file's tests.
 *
 * ```ts
 * const lab = labSession({ notebooks: { "live.ipynb": notebook([...]) }, open: "live.ipynb" });
 * it("runs", async () => {
 *   await runCommand(lab.page, "notebook:run-all-cells");
 * });
 * ```
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, inject } from "vitest";
import { copyToTemp, launchChromium, openLab, startJupyterLab, type Lab } from "./browser.js";

/** What a test file's JupyterLab serves and how it starts. */
export interface LabSessionOptions {
  /** A folder (e.g. `examples/`) whose copy Lab serves; without it, an empty temporary folder. */
  copyOf?: string;
  /** Notebooks written into the served folder before Lab starts: file name → text, or an object saved as JSON. */
  notebooks?: Record<string, string | object>;
  /**
   * Runs before Lab starts, once the folders exist (to write fixtures or install a kernelspec);
   * what it returns is added to the server's environment.
   */
  prepare?: (session: LabSession) => void | Record<string, string> | Promise<void | Record<string, string>>;
  /** Gives the kernels a job-record folder of their own (`HPCFIT_DATA_DIR`), removed afterwards. */
  dataDir?: boolean;
  /** Points the kernels at the Slurm test cluster of the vitest set-up (`SLURM_CONF`). */
  slurm?: boolean;
  /** More environment for the server and its kernels. */
  env?: Record<string, string>;
  /** JupyterLab user settings per plugin id, as in {@link startJupyterLab}. */
  settings?: Record<string, Record<string, unknown>>;
  /** The document opened first (a notebook's kernel is idle when the session is ready); without one, the launcher. */
  open?: string;
  /** Called with the page before it loads Lab, e.g. to record its responses. */
  onPage?: (page: Page) => void;
}

/** The running Lab of a test file; each member is there once the file's `beforeAll` has run. */
export interface LabSession {
  /** The JupyterLab server. */
  readonly server: Lab;
  /** The headless Chromium. */
  readonly browser: Browser;
  /** The page showing Lab. */
  readonly page: Page;
  /** The folder Lab serves. */
  readonly dir: string;
  /** The kernels' `HPCFIT_DATA_DIR` (only with {@link LabSessionOptions.dataDir}). */
  readonly dataDir: string;
  /** A fresh temporary folder removed with the session. */
  tempDir(prefix: string): string;
}

/** The time a session may take to start: Lab, Chromium and a notebook's kernel, on a loaded machine. */
const START_TIMEOUT = 150_000;

/** Registers the `beforeAll` that starts Lab and Chromium for this file and the `afterAll` that stops them. */
export function labSession(options: LabSessionOptions = {}): LabSession {
  let server: Lab | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let dir: string | undefined;
  let dataDir: string | undefined;
  const temporary: string[] = [];
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the Lab session's ${what} is used before its beforeAll ran (or after it failed)`);
    return value;
  };
  const session: LabSession = {
    get server() {
      return ready(server, "server");
    },
    get browser() {
      return ready(browser, "browser");
    },
    get page() {
      return ready(page, "page");
    },
    get dir() {
      return ready(dir, "folder");
    },
    get dataDir() {
      if (options.dataDir !== true) throw new Error("this Lab session has no data folder: pass { dataDir: true }");
      return ready(dataDir, "data folder");
    },
    tempDir(prefix) {
      const made = mkdtempSync(join(tmpdir(), prefix));
      temporary.push(made);
      return made;
    },
  };

  beforeAll(async () => {
    dir = options.copyOf === undefined ? session.tempDir("hpcfit-lab-") : copyToTemp(options.copyOf);
    if (options.copyOf !== undefined) temporary.push(dir);
    if (options.dataDir === true) dataDir = session.tempDir("hpcfit-lab-data-");
    for (const [name, content] of Object.entries(options.notebooks ?? {}))
      writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
    const prepared = (await options.prepare?.(session)) ?? {};
    const env: Record<string, string> = {
      ...(options.slurm === true ? { SLURM_CONF: inject("slurmConf") } : {}),
      ...(dataDir !== undefined ? { HPCFIT_DATA_DIR: dataDir } : {}),
      ...options.env,
      ...prepared,
    };
    server = await startJupyterLab({ notebookDir: dir, env, settings: options.settings });
    browser = await launchChromium();
    page = await openLab(browser, server, options.open, { onPage: options.onPage });
  }, START_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    for (const d of temporary) rmSync(d, { recursive: true, force: true });
  });

  return session;
}
