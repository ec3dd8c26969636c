/** `%cd` and `%pwd`: the kernel's working directory (where files are read and packages resolved). */
import { homedir } from "node:os";
import { resolve } from "node:path";
import { statSync } from "node:fs";
import { type Magic } from "../../kernel/magics/types.js";
import { UserError } from "../../util/user-error.js";

let previousDir: string | undefined;

/** `%pwd` returns the working directory. */
export const pwdMagic: Magic = {
  name: "pwd",
  kind: "line",
  summary: "Return the current working directory.",
  run: () => process.cwd(),
};

/** `%cd DIR` changes directory (`~` is home, `-` the previous one, no argument goes home) and prints where it went. */
export const cdMagic: Magic = {
  name: "cd",
  kind: "line",
  summary: "Change the working directory (%cd DIR, %cd -, %cd ~).",
  usage:
    "%cd DIR   change to DIR (relative to the current directory)\n%cd -     back to the previous directory\n%cd       home directory",
  run(args, context) {
    let target = args.trim().replace(/^(["'])(.*)\1$/, "$2");
    if (target === "-") {
      if (!previousDir) throw new UserError("%cd -: there is no previous directory yet.");
      target = previousDir;
    } else if (target === "" || target === "~") target = homedir();
    else if (target.startsWith("~/")) target = resolve(homedir(), target.slice(2));
    const path = resolve(process.cwd(), target);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new UserError(`%cd: no such directory: ${path}`);
    }
    if (!isDir) throw new UserError(`%cd: not a directory: ${path}`);
    const before = process.cwd();
    process.chdir(path);
    previousDir = before;
    context.output.stream("stdout", `${path}\n`);
    return undefined;
  },
};
