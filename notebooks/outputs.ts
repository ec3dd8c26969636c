/**
 * Turns the iopub messages of one cell into nbformat outputs, as a notebook frontend would:
 * consecutive stream text merges, `clear_output` (also with `wait`) empties the cell, and
 * `update_display_data` rewrites every earlier output with the same display_id, in any cell.
 */
import type { NotebookOutput } from "./notebook.js";

/** The parts of an iopub message the recorder reads. */
export interface IopubMessage {
  msgType: string;
  content: Record<string, unknown>;
}

/** Records one notebook's outputs; `begin` starts a new cell. */
export class OutputRecorder {
  private outputs: NotebookOutput[] = [];
  private clearPending = false;
  /** Every output ever shown with a display_id, by id, across cells. */
  private readonly displays = new Map<string, NotebookOutput[]>();

  /** Starts recording into `outputs` (a cell's array, emptied first). */
  begin(outputs: NotebookOutput[]): void {
    outputs.length = 0;
    this.outputs = outputs;
    this.clearPending = false;
  }

  /**
   * Applies one message. Returns the output it added or changed (for logging), if any.
   */
  apply(message: IopubMessage): NotebookOutput | undefined {
    const c = message.content;
    switch (message.msgType) {
      case "stream": {
        this.flushClear();
        const last = this.outputs[this.outputs.length - 1];
        if (last && last.output_type === "stream" && last.name === c.name) {
          last.text = String(last.text) + String(c.text);
          return { output_type: "stream", name: c.name, text: c.text };
        }
        const out: NotebookOutput = { output_type: "stream", name: c.name, text: String(c.text) };
        this.outputs.push(out);
        return out;
      }
      case "display_data":
      case "execute_result": {
        this.flushClear();
        const out: NotebookOutput =
          message.msgType === "execute_result"
            ? {
                output_type: "execute_result",
                execution_count: c.execution_count ?? null,
                data: c.data ?? {},
                metadata: c.metadata ?? {},
              }
            : { output_type: "display_data", data: c.data ?? {}, metadata: c.metadata ?? {} };
        this.outputs.push(out);
        const id = displayId(c);
        if (id) {
          const list = this.displays.get(id) ?? [];
          list.push(out);
          this.displays.set(id, list);
        }
        return out;
      }
      case "update_display_data": {
        const id = displayId(c);
        const targets = id ? this.displays.get(id) : undefined;
        for (const out of targets ?? []) {
          out.data = c.data ?? {};
          out.metadata = c.metadata ?? {};
        }
        return targets?.[0];
      }
      case "clear_output": {
        if (c.wait) this.clearPending = true;
        else this.outputs.length = 0;
        return undefined;
      }
      case "error": {
        this.flushClear();
        const out: NotebookOutput = {
          output_type: "error",
          ename: typeof c.ename === "string" ? c.ename : "Error",
          evalue: typeof c.evalue === "string" ? c.evalue : "",
          traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [],
        };
        this.outputs.push(out);
        return out;
      }
      default:
        return undefined;
    }
  }

  private flushClear(): void {
    if (this.clearPending) {
      this.outputs.length = 0;
      this.clearPending = false;
    }
  }
}

function displayId(content: Record<string, unknown>): string | undefined {
  const transient = content.transient as { display_id?: unknown } | undefined;
  return typeof transient?.display_id === "string" ? transient.display_id : undefined;
}
