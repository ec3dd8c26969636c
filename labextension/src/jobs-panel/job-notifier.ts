import { Notification } from "@jupyterlab/apputils";
import { isTerminalState, type JobRow } from "../../../schema/jobs.js";

/**
 * Tells the user when a job submitted from this JupyterLab (through the form, or seen pending or
 * running in the panel since it opened) finishes or fails. Each job is announced once.
 */
export class JobNotifier {
  private readonly watched = new Set<string>();
  private readonly announced = new Set<string>();

  /** Watches a job submitted from here, whatever its current state. */
  watch(id: string): void {
    this.watched.add(id);
  }

  /** Looks at changed rows and announces jobs that just ended. */
  observe(rows: readonly JobRow[]): void {
    for (const row of rows) {
      if (!isTerminalState(row.state)) {
        this.watched.add(row.id);
        continue;
      }
      if (!this.watched.has(row.id) || this.announced.has(row.id)) continue;
      this.announced.add(row.id);
      this.watched.delete(row.id);
      const what = `Job ${row.id} (${row.name})`;
      if (row.state === "COMPLETED") Notification.success(`${what} completed`, { autoClose: 8000 });
      else if (row.state === "CANCELLED") Notification.info(`${what} was cancelled`, { autoClose: 8000 });
      else
        Notification.error(
          `${what} ended ${row.state}${row.exitCode !== null ? ` with exit code ${row.exitCode}` : ""}${row.reason ? ` (${row.reason})` : ""}`,
          { autoClose: false },
        );
    }
  }
}
