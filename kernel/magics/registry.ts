import { type Magic, type MagicContext } from "./types.js";
import { UserError } from "../../util/user-error.js";

const HELP_REQUESTS = new Set(["--help", "-h", "?"]);

/** The `%` and `%%` commands known to a kernel. */
export class MagicRegistry {
  private readonly magics = new Map<string, Magic>();

  /** Adds a magic; a second registration of the same name replaces the first. */
  register(magic: Magic): void {
    this.magics.set(magic.name, magic);
  }

  /** The magic called `name`, if any. */
  get(name: string): Magic | undefined {
    return this.magics.get(name);
  }

  /** All magics, sorted by name. */
  list(): Magic[] {
    return [...this.magics.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Names usable as `%name` (line) or `%%name` (cell), sorted. */
  names(kind: "line" | "cell"): string[] {
    return this.list()
      .filter((m) => m.kind === kind || m.kind === "both")
      .map((m) => m.name);
  }

  /**
   * The help of the magic `name`: how it is called, its summary and its usage.
   * @throws UserError when no such magic is registered
   */
  helpText(name: string): string {
    const magic = this.magics.get(name);
    if (!magic) throw new UserError(`Unknown magic %${name}.`);
    const prefix = magic.kind === "cell" ? "%%" : "%";
    return `${prefix}${magic.name}: ${magic.summary}\n${magic.usage ? `\n${magic.usage}\n` : ""}`;
  }

  /**
   * Runs `%name args` (`body` undefined) or `%%name args` + body. Unknown names and a magic
   * used in the wrong form get an error that lists what is known.
   */
  async run(name: string, args: string, context: MagicContext, body?: string): Promise<unknown> {
    const form = body === undefined ? "line" : "cell";
    const prefix = form === "line" ? "%" : "%%";
    const magic = this.magics.get(name);
    if (!magic) {
      const known = this.names(form)
        .map((n) => prefix + n)
        .join(", ");
      throw new UserError(`Unknown ${form} magic ${prefix}${name}. Known ${form} magics: ${known || "none"}.`);
    }
    if (magic.kind !== "both" && magic.kind !== form) {
      const other = magic.kind === "line" ? "%" : "%%";
      throw new UserError(`${prefix}${name} is not a ${form} magic; use it as ${other}${name}.`);
    }
    // `--help`, `-h` and `?` alone ask for the usage; the magic itself never sees them.
    if (HELP_REQUESTS.has(args.trim())) {
      context.output.stream("stdout", this.helpText(name));
      return undefined;
    }
    return magic.run(args, context, body);
  }
}
