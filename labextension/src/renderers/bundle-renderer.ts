import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import type { Checked } from "../transforms/validate-bundles.js";

/** How long live updates must pause before the output's PNG snapshot is refreshed. */
const SNAPSHOT_DELAY_MS = 600;

/**
 * Common part of the hpcfit renderers: validates the bundle, redraws only when the bundle itself
 * changed (not when only our PNG was added), and after a draw stores a PNG of the plot in the
 * output's data, so that a saved notebook shows the plot where the extension is missing.
 */
export abstract class BundleRenderer<T> extends Widget implements IRenderMime.IRenderer {
  /** The MIME type this renderer draws. */
  protected readonly mimeType: string;
  /** The bundle last drawn, as JSON text: output models hand out fresh copies on every access. */
  private lastKey: string | undefined = undefined;
  /** The output model being drawn (other MIME types of the same output are in its data). */
  protected currentModel: IRenderMime.IMimeModel | null = null;
  private snapshotTimer: number | undefined;
  private errorNode: HTMLElement | null = null;

  /** @param className the renderer's own CSS class (e.g. `jp-hpcfit-fit`). */
  constructor(options: IRenderMime.IRendererOptions, className: string) {
    super();
    this.mimeType = options.mimeType;
    this.addClass("jp-hpcfit-renderer");
    this.addClass(className);
  }

  /** Checks the raw bundle; a failure is shown in place of the plot. */
  protected abstract check(data: unknown): Checked<T>;

  /** Draws (or redraws in place) the checked bundle. */
  protected abstract draw(value: T): Promise<void>;

  /** A PNG data URL of what is drawn, or null when there is nothing to snapshot. */
  protected abstract snapshot(): Promise<string | null>;

  /** Draws the output's bundle (JupyterLab calls this for new outputs and for every change). */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[this.mimeType];
    // The output area calls renderModel again after we add the PNG (and on other outputs'
    // changes): same bundle, nothing to draw, and the user's zoom stays.
    const key = JSON.stringify(data) ?? "undefined";
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.currentModel = model;
    const checked = this.check(data);
    if (!checked.ok) {
      this.showError(checked.error);
      return;
    }
    this.clearError();
    try {
      await this.draw(checked.value);
    } catch (error) {
      this.showError(`could not draw: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.scheduleSnapshot(model, key);
  }

  private scheduleSnapshot(model: IRenderMime.IMimeModel, key: string): void {
    window.clearTimeout(this.snapshotTimer);
    this.snapshotTimer = window.setTimeout(() => {
      void this.snapshot()
        .then((url) => {
          // A newer bundle arrived meanwhile: its own snapshot will follow.
          if (url === null || this.isDisposed || this.lastKey !== key) return;
          const png = url.replace(/^data:image\/png;base64,/, "");
          model.setData({ data: { ...model.data, "image/png": png } });
          this.node.dataset.snapshot = "stored";
        })
        .catch((error: unknown) => {
          console.warn("hpcfit: could not store a PNG snapshot of the plot", error);
        });
    }, SNAPSHOT_DELAY_MS);
  }

  private showError(message: string): void {
    if (this.errorNode === null) {
      this.errorNode = document.createElement("div");
      this.errorNode.className = "jp-hpcfit-error";
      this.node.prepend(this.errorNode);
    }
    this.errorNode.textContent = `hpcfit: ${message}`;
  }

  private clearError(): void {
    this.errorNode?.remove();
    this.errorNode = null;
  }

  /** Stops a pending PNG snapshot. */
  override dispose(): void {
    window.clearTimeout(this.snapshotTimer);
    super.dispose();
  }
}

/** Creates an element with a class and optional text. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
