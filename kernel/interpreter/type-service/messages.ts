/** The messages between the kernel's main thread and the type-service worker. */
import type { CellDiagnostic, TypedCompletions } from "./notebook-language-service.js";

/** What the worker is started with. */
export interface TypeWorkerData {
  /** The notebook's directory, where imports resolve from. */
  notebookDir: string;
  /**
   * One Int32 the main thread raises to withdraw questions: completion and inspection requests
   * whose id is at most its value are answered "unknown" at once, without being computed (their
   * asker stopped waiting, or a newer question replaced them).
   */
  withdrawn: SharedArrayBuffer;
}

/** A request to the worker; `id` pairs it with its reply. */
export type TypeRequest =
  | { id: number; kind: "complete"; code: string; cursor: number }
  | { id: number; kind: "inspect"; code: string; cursor: number; detailLevel: 0 | 1 }
  /** Diagnoses `code` as the next cell; with `commit`, then adds it to the executed cells when it parses. */
  | { id: number; kind: "check"; code: string; commit: boolean }
  /** Adds `code` to the executed cells without diagnosing it. */
  | { id: number; kind: "commit"; code: string };

/** What each request kind answers. */
export interface TypeAnswers {
  complete: TypedCompletions | undefined;
  inspect: string | undefined;
  check: CellDiagnostic[];
  commit: null;
}

/** The worker's reply to one request. */
export type TypeReply =
  { id: number; ok: true; value: TypeAnswers[TypeRequest["kind"]] } | { id: number; ok: false; error: string };
