/**
 * Real JupyterLab in Debian's Chromium for the browser tests: starts `jupyter lab` from the
 * project's `.venv` (where setup installed the hpcfit kernelspec and extension) on a free port
 * with a private config, settings and workspace folder, and drives Chromium with playwright-core
 * (no browser download: `/usr/bin/chromium`).
 *
 * ```ts
 * const lab = await startJupyterLab({ notebookDir });
 * const browser = await launchChromium();
 * const page = await openLab(browser, lab, "curve-fit.ipynb");
 * ...
 * await browser.close();
 * await lab.stop();
 * ```
 *
 * A test file gets all of this, started before its tests and stopped after, from `labSession`
 * (`lab-session.ts`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { freePort } from "../../notebooks/kernel-connection.js";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Where screenshots of each step go (gitignored). */
export const ARTIFACTS = join(ROOT, "test-artifacts", "browser");

/** Debian's Chromium; the tests never download a browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** A running JupyterLab. */
export interface Lab {
  /** Base URL, e.g. `http://127.0.0.1:8890/`. */
  url: string;
  token: string;
  /** The folder JupyterLab serves. */
  notebookDir: string;
  /** Everything the server wrote to stdout and stderr so far (for failure messages). */
  log(): string;
  /** Stops the server (SIGINT, then SIGKILL) and removes its private folders. */
  stop(): Promise<void>;
}

/** Copies `examples/` (or any folder) to a fresh temporary folder the test may change. */
export function copyToTemp(source: string, prefix = "hpcfit-lab-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (existsSync(source)) cpSync(source, dir, { recursive: true, filter: (p) => !p.includes(".ipynb_checkpoints") });
  return dir;
}

/**
 * Starts JupyterLab from `.venv` serving `notebookDir` and resolves once its API answers.
 * The server gets its own config, runtime, settings and workspace folders so that nothing of
 * the machine's user leaks in and nothing is left behind.
 */
export async function startJupyterLab(options: {
  notebookDir: string;
  env?: Record<string, string>;
  settings?: Record<string, Record<string, unknown>>;
}): Promise<Lab> {
  const jupyter = join(ROOT, ".venv", "bin", "jupyter");
  if (!existsSync(jupyter)) throw new Error(`${jupyter} is missing: run node scripts/setup.mjs --for=test`);
  const port = await freePort();
  const token = `hpcfit-test-${Math.random().toString(36).slice(2)}`;
  const home = mkdtempSync(join(tmpdir(), "hpcfit-lab-home-"));
  for (const d of ["config", "runtime", "settings", "workspaces"]) mkdirSync(join(home, d));
  // No "news" question popping over the page (the closed network has no news anyway).
  mkdirSync(join(home, "settings", "@jupyterlab", "apputils-extension"), { recursive: true });
  writeFileSync(
    join(home, "settings", "@jupyterlab", "apputils-extension", "notification.jupyterlab-settings"),
    JSON.stringify({ fetchNews: "false", checkForUpdates: false }),
  );
  // User settings per plugin id (`package:plugin`), as the settings editor would save them.
  for (const [id, values] of Object.entries(options.settings ?? {})) {
    const [pkg, plugin] = id.split(":");
    mkdirSync(join(home, "settings", pkg), { recursive: true });
    writeFileSync(join(home, "settings", pkg, `${plugin}.jupyterlab-settings`), JSON.stringify(values));
  }
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PATH: `${join(ROOT, ".venv", "bin")}:${process.env.PATH ?? ""}`,
    VIRTUAL_ENV: join(ROOT, ".venv"),
    JUPYTER_CONFIG_DIR: join(home, "config"),
    JUPYTER_RUNTIME_DIR: join(home, "runtime"),
    JUPYTERLAB_SETTINGS_DIR: join(home, "settings"),
    JUPYTERLAB_WORKSPACES_DIR: join(home, "workspaces"),
    ...options.env,
  };
  const args = [
    "lab",
    "--no-browser",
    "--ip=127.0.0.1",
    `--port=${port}`,
    "--port-retries=0",
    `--ServerApp.token=${token}`,
    `--notebook-dir=${options.notebookDir}`,
    "--ServerApp.allow_root=True",
    "--LabApp.news_url=",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    "--LanguageServerManager.autodetect=False",
    "--LabApp.expose_app_in_browser=True",
  ];
  const child: ChildProcess = spawn(jupyter, args, { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}/`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      // The group: jupyter and the kernels it started.
      try {
        process.kill(-child.pid, "SIGINT");
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // Already gone.
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(home, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`jupyter lab exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${url}api/status?token=${token}`);
      if (response.ok) return { url, token, notebookDir: options.notebookDir, log: () => output, stop };
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`jupyter lab did not answer on ${url} within 90 s:\n${output}`);
}

/** Launches headless Chromium with the flags this closed-network machine needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-dev-shm-usage",
    ],
  });
}

/** One response the page received: where from and how many bytes. */
export interface LoadedResource {
  url: string;
  bytes: number;
}

/** Records every response of `page` with its body size (for the start-up / first-plot sizes). */
export function recordResponses(page: Page): LoadedResource[] {
  const loaded: LoadedResource[] = [];
  page.on("response", (response) => {
    void response
      .body()
      .then((body) => loaded.push({ url: response.url(), bytes: body.length }))
      .catch(() => {
        // Redirects and aborted requests have no body.
      });
  });
  return loaded;
}

/**
 * Opens JupyterLab (optionally a document in it) in a new page and waits until the application
 * has started and is exposed as `window.jupyterapp` and, for a notebook, its kernel is idle.
 * `onPage` sees the page before it loads anything (to record its responses).
 */
export async function openLab(
  browser: Browser,
  lab: Lab,
  path?: string,
  options: { colorScheme?: "light" | "dark"; onPage?: (page: Page) => void } = {},
): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 1000 },
    colorScheme: options.colorScheme ?? "light",
  });
  const page = await context.newPage();
  options.onPage?.(page);
  const target =
    path === undefined
      ? `${lab.url}lab?token=${lab.token}&reset`
      : `${lab.url}lab/tree/${encodeURI(path)}?token=${lab.token}&reset`;
  await page.goto(target);
  await page.waitForSelector("#jupyterlab-splash", { state: "detached", timeout: 60_000 });
  await page.waitForFunction(() => "jupyterapp" in window, undefined, { timeout: 60_000 });
  if (path !== undefined && path.endsWith(".ipynb")) await waitForKernelIdle(page);
  return page;
}

/** Waits until the current notebook's kernel is connected and idle (asked of the app itself). */
export async function waitForKernelIdle(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    () => {
      type Shell = {
        currentWidget?: {
          sessionContext?: { session?: { kernel?: { status: string; connectionStatus: string } | null } | null };
        } | null;
      };
      const app = (window as unknown as { jupyterapp?: { shell: Shell } }).jupyterapp;
      const kernel = app?.shell.currentWidget?.sessionContext?.session?.kernel;
      return kernel !== undefined && kernel !== null && kernel.status === "idle" && kernel.connectionStatus === "connected";
    },
    undefined,
    { timeout, polling: 200 },
  );
}

/** Runs a JupyterLab command by id (e.g. `notebook:run-all-cells`) through the app's registry. */
export async function runCommand(page: Page, id: string, args: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(
    async ([command, commandArgs]) => {
      const app = (window as unknown as { jupyterapp?: { commands: { execute(id: string, args: unknown): Promise<unknown> } } })
        .jupyterapp;
      if (app === undefined) throw new Error("window.jupyterapp is not exposed (start JupyterLab with --expose-app-in-browser)");
      await app.commands.execute(command, commandArgs);
    },
    [id, args] as const,
  );
}

/** Saves a screenshot of `page` as `test-artifacts/browser/<name>.png`; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Sizes of the hpcfit extension's static files by name (for the bundle-size record). */
export function extensionStaticFiles(): Map<string, number> {
  const dir = join(ROOT, ".venv", "share", "jupyter", "labextensions", "hpcfit-labextension", "static");
  const files = new Map<string, number>();
  if (existsSync(dir)) for (const name of readdirSync(dir)) files.set(name, statSync(join(dir, name)).size);
  return files;
}

/** Directory of the committed visual snapshots. */
export const SNAPSHOTS = join(ROOT, "test", "browser", "snapshots");

/**
 * Compares a screenshot with the committed snapshot `test/browser/snapshots/<name>.png` and
 * returns the fraction of pixels that differ (any channel by more than `threshold` of 255). The
 * images are decoded and compared by Chromium itself (a canvas), so no image library is needed.
 * A missing snapshot is written (and reported as 0) except under CI, where it is an error.
 */
export async function compareSnapshot(page: Page, name: string, png: Buffer, threshold = 40): Promise<number> {
  const path = join(SNAPSHOTS, `${name}.png`);
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, `snapshot-${name}.png`), png);
  if (!existsSync(path)) {
    if (process.env.CI === "true" || process.env.CI === "1")
      throw new Error(`visual snapshot ${path} is missing: run the browser tests once outside CI and commit it`);
    mkdirSync(SNAPSHOTS, { recursive: true });
    writeFileSync(path, png);
    return 0;
  }
  const baseline = readFileSync(path);
  return page.evaluate(
    async ([a, b, limit]) => {
      const load = async (base64: string): Promise<ImageData> => {
        const image = new Image();
        image.src = `data:image/png;base64,${base64}`;
        await image.decode();
        const canvas = document.createElement("canvas");
        canvas.width = image.naturalWidth;
        canvas.height = image.naturalHeight;
        const context = canvas.getContext("2d");
        if (context === null) throw new Error("no 2-D canvas");
        context.drawImage(image, 0, 0);
        return context.getImageData(0, 0, canvas.width, canvas.height);
      };
      const [x, y] = await Promise.all([load(a), load(b)]);
      if (x.width !== y.width || x.height !== y.height) return 1;
      let differing = 0;
      for (let i = 0; i < x.data.length; i += 4) {
        for (let c = 0; c < 3; c++) {
          if (Math.abs(x.data[i + c] - y.data[i + c]) > limit) {
            differing++;
            break;
          }
        }
      }
      return differing / (x.width * x.height);
    },
    [png.toString("base64"), baseline.toString("base64"), threshold] as const,
  );
}

/**
 * The share of pixels of `target`'s screenshot that differ from the snapshot `name` (see
 * {@link compareSnapshot}), taken with the pointer moved off the page and a moment to let go of
 * it, so that no hover label or mode bar is in the picture.
 */
export async function snapshotDifference(page: Page, name: string, target: Locator, settleMs = 300): Promise<number> {
  await page.mouse.move(0, 0);
  await page.waitForTimeout(settleMs);
  return compareSnapshot(page, name, await target.screenshot());
}
