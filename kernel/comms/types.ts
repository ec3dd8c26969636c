/**
 * Comms: the kernel side of Jupyter's `comm_open` / `comm_msg` / `comm_close`. The protocol layer
 * owns a {@link CommManager}; the rest of the project (the jobs panel feed, for one) registers
 * targets on it and never sees a message frame.
 */

/** Arbitrary JSON as carried in a comm message's `data`. */
export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };
/** A JSON object. */
export type JSONObject = { [key: string]: JSONValue };

/** One open comm, seen from the kernel. */
export interface Comm {
  readonly commId: string;
  readonly targetName: string;
  /** Sends a `comm_msg` to the frontend. */
  send(data: JSONObject, metadata?: JSONObject, buffers?: Uint8Array[]): void;
  /** Sends a `comm_close` and forgets the comm. */
  close(data?: JSONObject): void;
  /** Called for every `comm_msg` from the frontend. */
  onMessage(handler: (data: JSONObject, buffers: Uint8Array[]) => void | Promise<void>): void;
  /** Called once when the frontend closes the comm (or the kernel shuts down). */
  onClose(handler: (data: JSONObject) => void): void;
}

/** Called when a frontend opens a comm on a registered target; `data` is the open message's data. */
export type CommTargetHandler = (comm: Comm, data: JSONObject) => void | Promise<void>;

/** Registry of comm targets and open comms. */
export interface CommManager {
  registerTarget(targetName: string, handler: CommTargetHandler): void;
  unregisterTarget(targetName: string): void;
  /** Opens a comm from the kernel side (a `comm_open` to the frontend). */
  open(targetName: string, data?: JSONObject, metadata?: JSONObject): Comm;
  /** Open comms, optionally only those of one target (for `comm_info_reply`). */
  list(targetName?: string): Comm[];
}
