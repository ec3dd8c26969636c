// The SIGINT anchor's pipe must not disturb module resolution: after it is set up, a package
// under a symlinked node_modules (worktrees, pnpm, npm link) still resolves to its real path, so
// it is loaded once. Runs the compiled anchor (dist/) in a child process, as the kernel does.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const scratch = realpathSync(mkdtempSync(join(tmpdir(), "hpcfit-anchor-links-")));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("SIGINT anchor and symlinked packages", () => {
  it("leaves a package under a symlinked node_modules resolving to its real path", () => {
    const real = join(scratch, "packages");
    for (const name of ["first", "second"]) {
      mkdirSync(join(real, name), { recursive: true });
      writeFileSync(join(real, name, "package.json"), JSON.stringify({ name, main: "index.js" }));
      writeFileSync(join(real, name, "index.js"), "exports.value = 1;\n");
    }
    const app = join(scratch, "app");
    mkdirSync(app);
    symlinkSync(real, join(app, "node_modules"));
    const anchor = pathToFileURL(join(root, "dist", "kernel", "interrupt", "anchor-thread.js")).href;
    const script = pathToFileURL(join(root, "dist", "kernel", "interrupt", "sigint-anchor.js")).href;
    writeFileSync(
      join(app, "main.mjs"),
      [
        `import { startAnchor } from ${JSON.stringify(anchor)};`,
        // The first resolution fills the loader's cache of real paths, as the kernel's own imports do.
        `const first = import.meta.resolve("first");`,
        `const anchor = startAnchor(new URL(${JSON.stringify(script)}), (line) => console.error(line));`,
        `const second = import.meta.resolve("second");`,
        `console.log(JSON.stringify({ anchored: anchor !== undefined, first, second }));`,
        // Exiting wakes the anchor's blocking read (its thread does not hold the process).
        `process.exit(0);`,
      ].join("\n"),
    );
    const out = JSON.parse(execFileSync(process.execPath, [join(app, "main.mjs")], { encoding: "utf8", cwd: app })) as {
      anchored: boolean;
      first: string;
      second: string;
    };
    expect(out.anchored).toBe(true);
    expect(out.first).toBe(pathToFileURL(join(real, "first", "index.js")).href);
    expect(out.second).toBe(pathToFileURL(join(real, "second", "index.js")).href);
  });
});
