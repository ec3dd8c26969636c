/**
 * The {@link OutputSink} given to the interpreter for one execute_request: turns a cell's side
 * effects into iopub messages (and stdin requests) whose parent is that request. The sink stays
 * valid after the cell ends, so output from a timer still reaches the right cell.
 */
import type { MimeBundle } from "../../schema/display.js";
import type { OutputSink } from "../interpreter/types.js";
import type { JSONDict, JupyterMessage } from "../../jupyter/message.js";
import type { StdinBroker } from "./stdin-broker.js";

/** What the sink needs from the protocol layer. */
export interface SinkChannels {
  /** Publishes an iopub message whose parent is `parent`. */
  publish(msgType: string, content: JSONDict, parent: JupyterMessage): void;
  /** Sends an `input_request` on stdin answering `parent`; returns the new message's msg_id. */
  requestInput(content: JSONDict, parent: JupyterMessage): string;
  stdin: StdinBroker;
}

/** The outputs of one execute request. */
export class MessageOutputSink implements OutputSink {
  /** `request` is the execute_request; `allowStdin` is its allow_stdin flag. */
  constructor(
    private readonly channels: SinkChannels,
    private readonly request: JupyterMessage,
    private readonly allowStdin: boolean,
  ) {}

  /** {@inheritDoc OutputSink.stream} */
  stream(name: "stdout" | "stderr", text: string): void {
    if (text === "") return;
    this.channels.publish("stream", { name, text }, this.request);
  }

  /** {@inheritDoc OutputSink.display} */
  display(data: MimeBundle, options: { metadata?: Record<string, unknown>; displayId?: string; update?: boolean } = {}): void {
    if (options.update && !options.displayId) throw new Error("updating a display needs its displayId");
    const transient = options.displayId ? { display_id: options.displayId } : {};
    this.channels.publish(
      options.update ? "update_display_data" : "display_data",
      { data, metadata: options.metadata ?? {}, transient },
      this.request,
    );
  }

  /** {@inheritDoc OutputSink.clearOutput} */
  clearOutput(wait: boolean): void {
    this.channels.publish("clear_output", { wait }, this.request);
  }

  /** {@inheritDoc OutputSink.input} */
  input(prompt: string, password: boolean): Promise<string> {
    if (!this.allowStdin) {
      return Promise.reject(
        new Error("input is not available: this frontend did not allow stdin for this request (allow_stdin is false)"),
      );
    }
    const id = this.channels.requestInput({ prompt, password }, this.request);
    return this.channels.stdin.wait(id);
  }
}

/** A sink that discards everything: for user_expressions, whose side effects are not shown. */
export class DiscardingSink implements OutputSink {
  /** Ignored. */
  stream(): void {}
  /** Ignored. */
  display(): void {}
  /** Ignored. */
  clearOutput(): void {}
  /** Always rejects: user expressions cannot ask for input. */
  input(): Promise<string> {
    return Promise.reject(new Error("input is not available while evaluating user_expressions"));
  }
}
