/**
 * The web's `prompt()`, `confirm()` and `alert()` as cell globals, asked through the frontend's
 * stdin (an `input_request`) like `input()`. They return promises: a cell awaits them, since the
 * kernel cannot block while the frontend answers. Without stdin they reject with a clear error.
 */
import type { DisplayTarget } from "./display-api.js";

/** The three dialogs as cells see them. */
export interface WebDialogs {
  /** Asks for a line of text; an empty answer gives `defaultValue` (or ""). */
  prompt(message?: string, defaultValue?: string): Promise<string | null>;
  /** Asks a yes/no question (`y` or `yes`, any case, is yes). */
  confirm(message?: string): Promise<boolean>;
  /** Shows `message` and waits for Enter. */
  alert(message?: string): Promise<void>;
}

/** Builds the dialogs over the running cell's stdin. */
export function createWebDialogs(target: DisplayTarget): WebDialogs {
  const ask = async (name: string, text: string): Promise<string> => {
    const sink = target.sink();
    if (!sink || !target.allowStdin()) {
      throw new Error(`${name}() is not available: this frontend did not allow stdin for the request (allow_stdin is false)`);
    }
    return sink.input(text, false);
  };
  return {
    prompt: async (message = "", defaultValue) => {
      const hint = defaultValue !== undefined && defaultValue !== "" ? ` [${defaultValue}]` : "";
      const answer = await ask("prompt", `${message}${hint} `);
      return answer === "" ? (defaultValue ?? "") : answer;
    },
    confirm: async (message = "") => /^\s*y(es)?\s*$/i.test(await ask("confirm", `${message} [y/N] `)),
    alert: async (message = "") => {
      await ask("alert", `${message} [Enter] `);
    },
  };
}
