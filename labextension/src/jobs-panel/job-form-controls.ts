import { element } from "../renderers/bundle-renderer.js";

/** The preview waits this long after the last change before asking the kernel (milliseconds). */
const PREVIEW_DELAY_MS = 300;

/** What a submission came to: the job shown, or the reason nothing was submitted. */
export type SubmitOutcome = { jobId: string; text: string } | { refused: string };

/** What a job form tells its {@link JobFormControls}. */
export interface JobFormHandlers<A> {
  /** The form's values now; a change of their JSON starts a new preview, an event that changes nothing does not. */
  values(): unknown;
  /** Runs at once on every change, before the pause: what the form shows without asking the kernel. */
  changedNow?(): void;
  /** Asks the kernel for the dry run of the values, or returns null when there is nothing to ask yet (the form says why). */
  preview(): Promise<A> | null;
  /** Shows a dry run's answer; returns whether the form may be submitted as it stands. */
  showPreview(answer: A): boolean;
  /** Shows why the dry run failed. */
  showPreviewError(message: string): void;
  /** Submits the values through the kernel. */
  submit(): Promise<SubmitOutcome>;
}

/**
 * The part the job forms share: the batch script previewed by the kernel once the typing pauses
 * (an answer that arrives after a newer request is dropped), the Submit button (enabled only by a
 * good preview), and the submission's result, with the job's id in `data-job-id`.
 */
export class JobFormControls<A> {
  /** The batch script the kernel would submit. */
  readonly preview = element("pre", "jp-hpcfit-script-preview");
  /** What the last submission came to. */
  readonly result = element("div", "jp-hpcfit-submit-result");
  /** Submits the form. */
  readonly submitButton = element("button", "jp-mod-styled jp-mod-accept", "Submit");
  private timer: number | undefined;
  private serial = 0;
  private previewed = "";

  /** Controls driven by `handlers`; `waiting` shows in the preview until the form is built. */
  constructor(
    private readonly handlers: JobFormHandlers<A>,
    waiting: string,
  ) {
    this.preview.textContent = waiting;
    this.submitButton.disabled = true;
    this.submitButton.dataset.action = "submit";
    this.submitButton.addEventListener("click", () => void this.submit());
  }

  /** Call on every change of the form: a new preview follows once the changes pause. */
  changed(): void {
    const key = JSON.stringify(this.handlers.values());
    if (key === this.previewed) return;
    this.previewed = key;
    this.submitButton.disabled = true;
    this.handlers.changedNow?.();
    if (this.timer !== undefined) window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.refresh(), PREVIEW_DELAY_MS);
  }

  private async refresh(): Promise<void> {
    const serial = ++this.serial;
    const request = this.handlers.preview();
    if (request === null) return;
    try {
      const answer = await request;
      if (serial !== this.serial) return;
      this.submitButton.disabled = !this.handlers.showPreview(answer);
    } catch (error) {
      if (serial !== this.serial) return;
      this.submitButton.disabled = true;
      this.handlers.showPreviewError(error instanceof Error ? error.message : String(error));
    }
  }

  private async submit(): Promise<void> {
    this.submitButton.disabled = true;
    this.result.className = "jp-hpcfit-submit-result";
    this.result.textContent = "submitting…";
    delete this.result.dataset.jobId;
    try {
      const outcome = await this.handlers.submit();
      if ("refused" in outcome) {
        this.result.classList.add("jp-hpcfit-warning");
        this.result.textContent = outcome.refused;
        return;
      }
      this.result.textContent = outcome.text;
      this.result.dataset.jobId = outcome.jobId;
      // The next submission starts from a fresh preview of what the form holds now.
      this.previewed = "";
      this.changed();
    } catch (error) {
      this.result.classList.add("jp-hpcfit-warning");
      this.result.textContent = `Submission failed: ${error instanceof Error ? error.message : String(error)}`;
      this.submitButton.disabled = false;
    }
  }
}
