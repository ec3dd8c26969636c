import { ILabShell, type JupyterFrontEnd, type JupyterFrontEndPlugin } from "@jupyterlab/application";
import { Dialog, MainAreaWidget, Notification, showDialog } from "@jupyterlab/apputils";
import { PageConfig, PathExt } from "@jupyterlab/coreutils";
import { IDocumentManager } from "@jupyterlab/docmanager";
import { FileDialog } from "@jupyterlab/filebrowser";
import { INotebookTracker, NotebookActions, type NotebookPanel } from "@jupyterlab/notebook";
import { IFileBrowserFactory } from "@jupyterlab/filebrowser";
import type { Kernel } from "@jupyterlab/services";
import { ISettingRegistry } from "@jupyterlab/settingregistry";
import { LabIcon, ToolbarButton } from "@jupyterlab/ui-components";
import type { JobRow } from "../../../schema/jobs.js";
import { FitJobFormWidget } from "./fit-job-form.js";
import { JobNotifier } from "./job-notifier.js";
import { JobsConnection } from "./jobs-connection.js";
import { JobsPanel, type JobsPanelServices } from "./jobs-panel.js";
import { OutputViewer } from "./output-viewer.js";
import { readPanelSettings } from "./panel-settings.js";
import { readJobResult, ResultsViewer } from "./results-viewer.js";
import { NotebookJobFormWidget } from "./notebook-job-form.js";
import { SummaryViewer } from "./summary-viewer.js";
import { parseCsv } from "../../../schema/csv.js";
import type { NotebookJobOrder } from "../../../schema/notebook-jobs.js";

/** The plugin id; its settings schema is schema/jobs-panel.json. */
export const JOBS_PANEL_PLUGIN_ID = "hpcfit-labextension:jobs-panel";

/** The kernelspec name of the hpcfit kernel (cli/commands/install.ts). */
const HPCFIT_KERNEL = "hpcfit";
/** The kernelspec names of hpcfit kernels in a Slurm allocation start so (remote-kernel/kernelspec.ts). */
const HPCFIT_SLURM_KERNEL_PREFIX = "hpcfit-slurm-";

const jobsIcon = new LabIcon({
  name: "hpcfit:jobs",
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161"><rect x="3" y="4" width="18" height="4" rx="1"/><rect x="3" y="10" width="18" height="4" rx="1"/><rect x="3" y="16" width="12" height="4" rx="1"/></g></svg>',
});

/** A server-relative path for an absolute one under the server root, or null when outside. */
function serverPath(absolute: string): string | null {
  const root = PageConfig.getOption("serverRoot").replace(/\/+$/, "");
  if (root === "") return null;
  if (absolute === root) return "";
  if (!absolute.startsWith(`${root}/`)) return null;
  return absolute.slice(root.length + 1);
}

/**
 * The Jobs panel plugin: a left-sidebar panel following the focused notebook's hpcfit kernel
 * over the `hpcfit.jobs` comm, with actions, a live output viewer, a results viewer, the
 * "New fit job" form, notifications, and settings.
 */
export const jobsPanelPlugin: JupyterFrontEndPlugin<void> = {
  id: JOBS_PANEL_PLUGIN_ID,
  description: "Monitor and act on batch jobs of the hpcfit kernel.",
  autoStart: true,
  requires: [INotebookTracker, IDocumentManager],
  optional: [ILabShell, ISettingRegistry, IFileBrowserFactory],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    docManager: IDocumentManager,
    labShell: ILabShell | null,
    settingRegistry: ISettingRegistry | null,
    browsers: IFileBrowserFactory | null,
  ) => {
    const notifier = new JobNotifier();
    const connections = new Map<string, JobsConnection>();
    // eslint-disable-next-line prefer-const -- declared above the services, which refer to the panel made below
    let panel: JobsPanel;

    const openMain = (
      widget: MainAreaWidget | null,
      content: OutputViewer | FitJobFormWidget | ResultsViewer | NotebookJobFormWidget | SummaryViewer,
    ): void => {
      const main = widget ?? new MainAreaWidget({ content });
      main.id = content.id;
      main.title.label = content.title.label;
      main.title.closable = true;
      app.shell.add(main, "main");
      app.shell.activateById(main.id);
    };

    const services: JobsPanelServices = {
      confirm: async (title, message) => {
        const result = await showDialog({
          title,
          body: message,
          buttons: [Dialog.cancelButton({ label: "Keep" }), Dialog.warnButton({ label: "Yes" })],
        });
        return result.button.accept;
      },
      openOutput: (connection: JobsConnection, job: JobRow) => openMain(null, new OutputViewer(connection, job)),
      openResults: async (job: JobRow) => {
        if (typeof job.results !== "string") throw new Error(`job ${job.id} stored no fit result`);
        const path = serverPath(job.results);
        if (path === null) throw new Error(`the job's result ${job.results} is outside the notebook server's root`);
        openMain(null, new ResultsViewer(job, [await readJobResult(app.serviceManager.contents, path)]));
      },
      openDirectory: async (job: JobRow) => {
        const dir = serverPath(job.directory);
        if (dir === null) throw new Error(`the job's directory ${job.directory} is outside the notebook server's root`);
        await app.commands.execute("filebrowser:go-to-path", { path: `/${dir}`, dontShowBrowser: false });
      },
      deleteOutputFiles: async (job: JobRow) => {
        const deleted: string[] = [];
        for (const file of new Set([job.stdout, job.stderr])) {
          if (file === null) continue;
          const path = serverPath(file);
          if (path === null) throw new Error(`cannot delete ${file}: it is outside the notebook server's root`);
          try {
            await app.serviceManager.contents.delete(path);
            deleted.push(file);
          } catch (error) {
            // An output file that never existed (a job cancelled before it started) is fine.
            const status = (error as { response?: { status?: number } }).response?.status;
            if (status !== 404) throw error;
          }
        }
        return deleted;
      },
      openNewFitJob: (connection: JobsConnection) => {
        const form = new FitJobFormWidget(connection, {
          chooseModelFile: async () => {
            const result = await FileDialog.getOpenFiles({
              manager: docManager,
              filter: (model) => (model.type === "directory" || /\.(ts|mts|js|mjs)$/.test(model.name) ? {} : null),
            });
            return result.button.accept && result.value !== null && result.value.length > 0 ? result.value[0].path : null;
          },
          // PathExt.join drops the leading "/" of an absolute root: join by hand.
          absolutePath: (path) =>
            path.startsWith("/") ? path : `${PageConfig.getOption("serverRoot").replace(/\/+$/, "")}/${PathExt.normalize(path)}`,
          submitted: (id) => notifier.watch(id),
        });
        openMain(null, form);
      },
      openNotebookOutput: async (job: JobRow) => {
        const info = job.notebook;
        if (info === undefined || info === null) throw new Error(`job ${job.id} is not a notebook run`);
        const path = serverPath(info.output);
        if (path === null) throw new Error(`the output ${info.output} is outside the notebook server's root`);
        const widget = docManager.openOrReveal(path);
        if (widget === undefined) throw new Error(`could not open ${info.output}`);
        // The runner rewrites the file after every cell: show what it holds now. The file is the
        // run's, not the user's: reloading it (once the notebook's kernel has started and touched
        // its metadata) also keeps Lab from offering to save an older copy over the run's.
        await widget.context.ready;
        await widget.context.sessionContext.ready;
        await widget.context.revert();
        const failed = info.progress.failedCell;
        const notebook = (widget as unknown as NotebookPanel).content;
        if (failed !== null && notebook !== undefined && typeof notebook.scrollToItem === "function") {
          notebook.activeCellIndex = failed;
          await notebook.scrollToItem(failed, "center");
          NotebookActions.deselectAll(notebook);
        }
      },
      openNotebookHtml: async (job: JobRow) => {
        const html = job.notebook?.html;
        if (typeof html !== "string") throw new Error(`job ${job.id} wrote no HTML copy`);
        const path = serverPath(html);
        if (path === null) throw new Error(`the HTML copy ${html} is outside the notebook server's root`);
        // A run whose nbconvert failed has no copy: say so rather than open an empty viewer.
        await app.serviceManager.contents.get(path, { content: false }).catch(() => {
          throw new Error(`the HTML copy ${html} was not written (see the job's output)`);
        });
        if (docManager.openOrReveal(path) === undefined) throw new Error(`could not open ${html}`);
      },
      runAgain: (connection: JobsConnection, job: JobRow) => {
        const info = job.notebook;
        if (info === undefined || info === null) return;
        const order: NotebookJobOrder | null = info.order ?? {
          notebook: info.input,
          name: "",
          outputParent: "",
          values: Object.fromEntries(
            Object.entries(info.parameters).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
          ),
          sweep: {},
          backend: job.backend,
          resources: {},
          html: info.html !== null,
        };
        openNotebookForm(connection, info.input, order);
      },
      openSummary: async (connection: JobsConnection, arrayJobId: number) => {
        const { csv } = await connection.notebookSummary(String(arrayJobId));
        const path = serverPath(csv);
        if (path === null) throw new Error(`the summary ${csv} is outside the notebook server's root`);
        const file = await app.serviceManager.contents.get(path, { content: true, format: "text" });
        openMain(null, new SummaryViewer(csv, parseCsv(String(file.content))));
      },
      error: (message) => {
        Notification.error(`hpcfit jobs: ${message}`, { autoClose: 10000 });
      },
    };

    const absolutePath = (path: string): string =>
      path.startsWith("/") ? path : `${PageConfig.getOption("serverRoot").replace(/\/+$/, "")}/${PathExt.normalize(path)}`;

    const openNotebookForm = (connection: JobsConnection, notebook: string, previous: NotebookJobOrder | null): void => {
      openMain(
        null,
        new NotebookJobFormWidget(
          connection,
          notebook,
          {
            submitted: (rows) => {
              for (const row of rows) notifier.watch(row.id);
            },
          },
          previous,
        ),
      );
    };

    /**
     * The connection the form submits over: the one the panel shows (the focused notebook's
     * hpcfit kernel), else a kernel of its own, started once, that the panel then follows.
     */
    let formKernel: Promise<JobsConnection> | null = null;
    let jobsKernel: JobsConnection | null = null;
    const formConnection = async (): Promise<JobsConnection> => {
      if (panel.current !== null) return panel.current;
      formKernel ??= app.serviceManager.kernels.startNew({ name: HPCFIT_KERNEL }).then((kernel) => {
        const connection = connectionFor(kernel);
        jobsKernel = connection;
        connection.closed.connect(() => {
          jobsKernel = null;
          formKernel = null;
        });
        panel.setConnection(connection, "the jobs kernel");
        return connection;
      });
      try {
        return await formKernel;
      } catch (error) {
        formKernel = null;
        throw error;
      }
    };

    app.commands.addCommand("hpcfit:run-as-job", {
      label: "Run as Job…",
      caption: "Run this notebook (or a sweep of it) as a batch job, locally or on Slurm",
      execute: async (args) => {
        let path = typeof args.path === "string" ? args.path : null;
        if (path === null) {
          const next = browsers?.tracker.currentWidget?.selectedItems().next();
          path = next !== undefined && next.done !== true ? next.value.path : (tracker.currentWidget?.context.path ?? null);
        }
        if (path === null || !path.endsWith(".ipynb")) {
          Notification.error("Run as Job…: choose a notebook (.ipynb)", { autoClose: 8000 });
          return;
        }
        try {
          openNotebookForm(await formConnection(), absolutePath(path), null);
        } catch (error) {
          Notification.error(`Run as Job…: ${error instanceof Error ? error.message : String(error)}`, { autoClose: 10000 });
        }
      },
    });
    app.contextMenu.addItem({
      command: "hpcfit:run-as-job",
      selector: '.jp-DirListing-item[data-file-type="notebook"]',
      rank: 3,
    });
    tracker.widgetAdded.connect((_, notebookPanel) => {
      notebookPanel.toolbar.insertItem(
        10,
        "hpcfit-run-as-job",
        new ToolbarButton({
          label: "Run as Job…",
          tooltip: "Run this notebook as a batch job",
          onClick: () => void app.commands.execute("hpcfit:run-as-job", { path: notebookPanel.context.path }),
        }),
      );
    });

    panel = new JobsPanel(services);
    panel.title.icon = jobsIcon;
    app.shell.add(panel, "left", { rank: 600 });

    const connectionFor = (kernel: Kernel.IKernelConnection): JobsConnection => {
      let connection = connections.get(kernel.id);
      if (connection === undefined) {
        const created = new JobsConnection(kernel, { user: currentUserOnly ? "me" : "all", states: "all" });
        connection = created;
        connections.set(kernel.id, created);
        created.changed.connect((_, rows) => notifier.observe(rows));
        created.closed.connect(() => {
          connections.delete(kernel.id);
          // A kernel that closes the comm before any snapshot does not serve it: retrying at
          // once would loop, so the panel says so until the kernel restarts.
          if (!created.ready) refused.add(kernel.id);
          if (panel.current === created) follow();
        });
        kernel.disposed.connect(() => created.dispose());
      }
      return connection;
    };

    let currentUserOnly = true;
    const refused = new Set<string>();
    let watchedPanel: NotebookPanel | null = null;

    /** Points the panel at the focused notebook's kernel, or at nothing. */
    const follow = (): void => {
      const notebook = tracker.currentWidget;
      if (notebook !== watchedPanel) {
        watchedPanel?.sessionContext.kernelChanged.disconnect(follow);
        watchedPanel?.sessionContext.statusChanged.disconnect(onStatus);
        watchedPanel = notebook;
        notebook?.sessionContext.kernelChanged.connect(follow);
        notebook?.sessionContext.statusChanged.connect(onStatus);
      }
      if (notebook === null) {
        // No notebook in focus: the kernel the "Run as Job…" form started, if any, keeps the panel going.
        if (jobsKernel !== null) panel.setConnection(jobsKernel, "the jobs kernel");
        else panel.setConnection(null, null);
        return;
      }
      const kernel = notebook.sessionContext.session?.kernel ?? null;
      if (kernel === null) {
        panel.setConnection(
          null,
          null,
          `${notebook.title.label} has no kernel running. Start its HPCFit (TypeScript) kernel to see jobs.`,
        );
        return;
      }
      if (kernel.name !== HPCFIT_KERNEL && !kernel.name.startsWith(HPCFIT_SLURM_KERNEL_PREFIX)) {
        panel.setConnection(null, null, `${notebook.title.label} uses the ${kernel.name} kernel, not hpcfit: no jobs to show.`);
        return;
      }
      if (refused.has(kernel.id)) {
        panel.setConnection(
          null,
          null,
          `The kernel of ${notebook.title.label} closed the hpcfit.jobs connection without sending jobs. Restart the kernel to try again.`,
        );
        return;
      }
      panel.setConnection(connectionFor(kernel), notebook.title.label);
    };

    const onStatus = (_: unknown, status: Kernel.Status): void => {
      const kernel = watchedPanel?.sessionContext.session?.kernel;
      if (kernel === undefined || kernel === null) return;
      if (status === "restarting" || status === "autorestarting" || status === "dead") {
        refused.delete(kernel.id);
        connections.get(kernel.id)?.dispose();
        connections.delete(kernel.id);
        panel.setConnection(null, null, "The kernel is restarting…");
      } else if (status === "idle" && panel.current === null) {
        follow();
      }
    };

    tracker.currentChanged.connect(follow);
    labShell?.currentChanged.connect(follow);
    void app.restored.then(follow);

    if (settingRegistry !== null) {
      void settingRegistry
        .load(JOBS_PANEL_PLUGIN_ID)
        .then((settings) => {
          const apply = (): void => {
            const read = readPanelSettings(settings.composite);
            panel.setSettings(read);
            if (read.userOnly !== currentUserOnly) {
              currentUserOnly = read.userOnly;
              for (const connection of connections.values())
                connection.subscribe({ user: read.userOnly ? "me" : "all", states: "all" });
            }
          };
          settings.changed.connect(apply);
          apply();
        })
        .catch((error: unknown) => console.warn("hpcfit: could not load the Jobs panel settings", error));
    }
  },
};
