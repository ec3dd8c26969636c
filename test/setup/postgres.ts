/**
 * A private PostgreSQL server for tests, from Debian's `postgresql` package: `initdb` and
 * `pg_ctl` run as the `postgres` user (PostgreSQL refuses to run as root) on a temporary
 * directory it owns, listening on a free loopback port and on a Unix socket in that directory.
 * Its one role, a superuser that can create a database per test, logs in without a password
 * (`trust`: only this machine reaches it). Nothing in /etc or /var is read or changed.
 */
import { execFile, spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../notebooks/kernel-connection.js";

const run = promisify(execFile);

/** Where Debian installs the server's programs, one directory per major version. */
const PG_ROOT = "/usr/lib/postgresql";

/** How the test server is set up. */
export interface PostgresOptions {
  /**
   * Whether commits wait for the disk (PostgreSQL's default). Off unless asked: tests need no
   * crash safety, and fsync on a shared machine only adds noise. A benchmark that reports
   * throughput turns it on.
   */
  durable?: boolean;
}

/** A running test server. */
export interface PostgresServer {
  /** The temporary directory holding the data directory, the socket and the log. */
  readonly dir: string;
  /** `postgres://hpcfit@127.0.0.1:<port>/hpcfit`: the test role and database, over TCP. */
  readonly url: string;
  /** The loopback port the server listens on. */
  readonly port: number;
  /** The directory of its Unix socket (a client's `host` for a socket connection). */
  readonly socketDir: string;
  /** The role tests connect as (a superuser). */
  readonly user: string;
  /** The database the URL names. */
  readonly database: string;
  /** The server's major version, e.g. 15. */
  readonly version: number;
  /** Runs SQL through psql as the test role and returns its unaligned, tuples-only output. */
  psql(sql: string, database?: string): Promise<string>;
  /** Stops the server at once and removes the directory. */
  stop(): Promise<void>;
}

/** The bin directory of the newest installed server that has initdb and pg_ctl. */
export function postgresBinDir(): { bin: string; version: number } {
  const versions = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter(
          (v) =>
            /^\d+$/.test(v) && existsSync(join(PG_ROOT, v, "bin", "initdb")) && existsSync(join(PG_ROOT, v, "bin", "pg_ctl")),
        )
        .map(Number)
        .sort((a, b) => b - a)
    : [];
  if (versions.length === 0) {
    throw new Error(
      `PostgreSQL test server: no ${PG_ROOT}/*/bin/initdb; install Debian's postgresql (npm test's setup does, as root).`,
    );
  }
  return { bin: join(PG_ROOT, String(versions[0]), "bin"), version: versions[0] };
}

async function account(user: string): Promise<{ uid: number; gid: number }> {
  try {
    const [uid, gid] = await Promise.all([run("id", ["-u", user]), run("id", ["-g", user])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new Error(`PostgreSQL test server: no "${user}" user; Debian's postgresql package creates it.`);
  }
}

function tail(path: string, lines = 20): string {
  if (!existsSync(path)) return `(no ${path})`;
  return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/** The error a failed child process gave, with what it wrote. */
function failure(error: unknown): string {
  const e = error as { message?: string; stderr?: string; stdout?: string };
  return [e.message, e.stdout, e.stderr].filter((s) => s !== undefined && s.trim() !== "").join("\n");
}

/** Creates a cluster in a temporary directory, starts it and creates the test database. */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  if (process.getuid?.() !== 0)
    throw new Error("PostgreSQL test server: must run as root (to run the server as the postgres user).");
  const { bin, version } = postgresBinDir();
  const owner = await account("postgres");
  const dir = mkdtempSync(join(tmpdir(), "hpcfit-postgres-"));
  const data = join(dir, "data");
  const socketDir = join(dir, "socket");
  const log = join(dir, "postgres.log");
  chownSync(dir, owner.uid, owner.gid);
  chmodSync(dir, 0o755);
  mkdirSync(socketDir);
  chownSync(socketDir, owner.uid, owner.gid);
  const user = "hpcfit";
  const database = "hpcfit";
  const port = await freePort();
  // runuser keeps the working directory: give the server's user one it can enter.
  const asPostgres = (program: string, args: string[]) =>
    run("runuser", ["-u", "postgres", "--", join(bin, program), ...args], {
      cwd: dir,
      env: { ...process.env, LC_ALL: "C.UTF-8" },
    });

  const psql = async (sql: string, db = database): Promise<string> => {
    const { stdout } = await run(join(bin, "psql"), [
      "-X",
      "-q",
      "-A",
      "-t",
      "-v",
      "ON_ERROR_STOP=1",
      "-h",
      socketDir,
      "-p",
      String(port),
      "-U",
      user,
      "-d",
      db,
      "-c",
      sql,
    ]);
    return stdout.trim();
  };
  const server: PostgresServer = {
    dir,
    url: `postgres://${user}@127.0.0.1:${port}/${database}`,
    port,
    socketDir,
    user,
    database,
    version,
    psql,
    async stop() {
      if (existsSync(join(data, "postmaster.pid"))) {
        await asPostgres("pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w", "-t", "30"]).catch(() => undefined);
      }
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };

  const settings = [
    "listen_addresses=127.0.0.1",
    `port=${port}`,
    `unix_socket_directories=${socketDir}`,
    // Queue tests run many workers, each with its own connection.
    "max_connections=300",
    ...(options.durable ? [] : ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]),
  ];
  try {
    await asPostgres("initdb", ["-D", data, "-U", user, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]).catch(
      (e: unknown) => {
        throw new Error(`initdb failed: ${failure(e)}`);
      },
    );
    await asPostgres("pg_ctl", [
      "start",
      "-D",
      data,
      "-l",
      log,
      "-w",
      "-t",
      "60",
      "-o",
      settings.map((s) => `-c ${s}`).join(" "),
    ]).catch((e: unknown) => {
      throw new Error(`pg_ctl start failed: ${failure(e)}\npostgres.log:\n${tail(log)}`);
    });
    await psql(`CREATE DATABASE ${database}`, "postgres");
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw new Error(`PostgreSQL test server failed to start: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  startWatchdog(dir, join(data, "postmaster.pid"));
  return server;
}

/**
 * If the test runner dies without its teardown, a detached watchdog stops the server (SIGQUIT:
 * PostgreSQL's immediate shutdown) and removes its directory, so no server outlives its run.
 */
function startWatchdog(dir: string, pidFile: string): void {
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; [ -d "$0" ] || exit 0; p="$(head -n 1 "${pidFile}" 2>/dev/null)"; [ -n "$p" ] && kill -QUIT $p 2>/dev/null; sleep 3; [ -n "$p" ] && grep -q postgres /proc/$p/cmdline 2>/dev/null && kill -9 $p; rm -rf "$0"`;
  const child = spawn("/bin/sh", ["-c", script, dir], { detached: true, stdio: "ignore" });
  child.unref();
}
