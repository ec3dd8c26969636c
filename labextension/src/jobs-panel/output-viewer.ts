import { Widget } from "@lumino/widgets";
import type { JobRow } from "../../../schema/jobs.js";
import { element } from "../renderers/bundle-renderer.js";
import type { JobsConnection, TailHandle } from "./jobs-connection.js";

/** Lines of existing output shown when the viewer opens. */
const INITIAL_LINES = 500;

/**
 * A live-following view of a job's output: it shows the last lines, appends what the kernel
 * sends as the file grows, and keeps scrolled to the end unless the user scrolled up.
 */
export class OutputViewer extends Widget {
  private readonly pre = element("pre", "jp-hpcfit-output");
  private readonly state = element("div", "jp-hpcfit-note");
  private handle: TailHandle | null = null;

  /** Starts following `job`'s `stream` over `connection`. */
  constructor(
    private readonly connection: JobsConnection,
    readonly job: JobRow,
    stream: "stdout" | "stderr" = "stdout",
  ) {
    super();
    this.addClass("jp-hpcfit-output-viewer");
    this.id = `hpcfit-output-${job.id}-${stream}`;
    this.title.label = `Output of ${job.id}`;
    this.title.caption = `${job.name}: ${stream === "stdout" ? job.stdout : job.stderr}`;
    this.title.closable = true;
    this.state.textContent = "following…";
    this.node.append(this.state, this.pre);
    connection
      .tail(job.id, stream, INITIAL_LINES, (text, done, notice) => this.append(text, done, notice))
      .then((handle) => {
        if (this.isDisposed) handle.stop();
        else this.handle = handle;
      })
      .catch((error: unknown) => {
        this.state.textContent = `cannot read the output: ${error instanceof Error ? error.message : String(error)}`;
        this.state.classList.add("jp-hpcfit-warning");
      });
  }

  private append(text: string, done: boolean, notice?: string): void {
    const atEnd = this.node.scrollHeight - this.node.scrollTop - this.node.clientHeight < 24;
    this.pre.append(document.createTextNode(text));
    if (done) {
      this.state.textContent = notice ?? "the job has ended; this is all of its output";
      this.node.dataset.done = "true";
      if (notice) {
        // Also at the end of the text, where the reader's eye is when the output stops.
        this.state.classList.add("jp-hpcfit-warning");
        this.pre.append(element("div", "jp-hpcfit-output-notice", notice));
      }
    }
    if (atEnd) this.node.scrollTop = this.node.scrollHeight;
  }

  /** Stops following the output. */
  override dispose(): void {
    this.handle?.stop();
    this.handle = null;
    super.dispose();
  }
}
