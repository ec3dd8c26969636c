/**
 * The `kernel_info_reply` content: who this kernel is and what language its cells are in.
 */
import { PROTOCOL_VERSION } from "../../jupyter/message.js";

/**
 * The TypeScript syntax cells may use: the newest syntax sucrase's TypeScript transform strips
 * (cells are transpiled, not type-checked).
 */
export const TYPESCRIPT_SYNTAX_VERSION = "5.9";

/** Builds the kernel_info_reply content for hpcfit `version`. */
export function kernelInfoContent(version: string): Record<string, unknown> {
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    // Protocol 5.4: IOPub welcomes each subscriber (see kernel/transport/socket-worker.ts).
    supported_features: ["iopub_welcome"],
    implementation: "hpcfit",
    implementation_version: version,
    language_info: {
      name: "typescript",
      version: TYPESCRIPT_SYNTAX_VERSION,
      mimetype: "text/typescript",
      file_extension: ".ts",
      codemirror_mode: { name: "javascript", typescript: true },
      pygments_lexer: "typescript",
      nbconvert_exporter: "script",
    },
    banner: `hpcfit ${version} — TypeScript cells on Node.js ${process.version}; fitting and Slurm magics (%lsmagic)`,
    help_links: [
      { text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
      { text: "Node.js API", url: "https://nodejs.org/api/" },
      { text: "Jupyter messaging", url: "https://jupyter-client.readthedocs.io/en/latest/messaging.html" },
    ],
  };
}
