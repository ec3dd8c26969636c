/**
 * Input history persisted per user across kernel sessions in SQLite, answering the three kinds
 * of `history_request`: tail, range and search. Several kernels may share the file at once
 * (WAL mode and a busy timeout), each as its own numbered session.
 */
import { join } from "node:path";
import { privateDatabase } from "../../util/paths.js";
import Database from "better-sqlite3";

/** One history entry: `[session, line, input]`, or `[session, line, [input, output]]` with outputs. */
export type HistoryEntry = [number, number, string] | [number, number, [string, string | null]];

/** Options common to every query. */
export interface HistoryQueryOptions {
  /** Include each cell's text/plain result. */
  output?: boolean;
}

interface Row {
  session: number;
  line: number;
  source: string;
  output: string | null;
}

/** A per-user input history database. */
export class HistoryStore {
  private readonly db: Database.Database;
  /** This kernel's session number. */
  readonly session: number;

  /** Opens (creating if needed) `history.sqlite` in `dir` and starts a new session. */
  constructor(dir: string) {
    // Every cell's code is kept here: the folder and the file are the user's alone.
    this.db = new Database(privateDatabase(join(dir, "history.sqlite")));
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS sessions (session INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT NOT NULL, ended TEXT);
      CREATE TABLE IF NOT EXISTS history (
        session INTEGER NOT NULL, line INTEGER NOT NULL, source TEXT NOT NULL, output TEXT,
        PRIMARY KEY (session, line));
    `);
    const info = this.db.prepare("INSERT INTO sessions (started) VALUES (?)").run(new Date().toISOString());
    this.session = Number(info.lastInsertRowid);
  }

  /** Records cell `line` of this session (a re-run of the same count replaces it). */
  add(line: number, source: string): void {
    this.db
      .prepare("INSERT OR REPLACE INTO history (session, line, source, output) VALUES (?, ?, ?, NULL)")
      .run(this.session, line, source);
  }

  /** Records the text/plain result of cell `line` of this session. */
  setOutput(line: number, output: string): void {
    this.db.prepare("UPDATE history SET output = ? WHERE session = ? AND line = ?").run(output, this.session, line);
  }

  /** The last `n` entries over all sessions, oldest first. */
  tail(n: number, options: HistoryQueryOptions = {}): HistoryEntry[] {
    const rows = this.db
      .prepare("SELECT session, line, source, output FROM history ORDER BY session DESC, line DESC LIMIT ?")
      .all(Math.max(0, Math.floor(n))) as Row[];
    return rows.reverse().map((r) => entry(r, options));
  }

  /**
   * Lines `start` (inclusive) to `stop` (exclusive; 0 or less means to the end) of a session.
   * `session` 0 is this one and a negative number counts back from it, as IPython's history does.
   */
  range(session: number, start: number, stop: number, options: HistoryQueryOptions = {}): HistoryEntry[] {
    const absolute = session > 0 ? session : this.session + session;
    const rows = this.db
      .prepare(
        "SELECT session, line, source, output FROM history WHERE session = ? AND line >= ? AND (? <= 0 OR line < ?) ORDER BY line",
      )
      .all(absolute, start, stop, stop) as Row[];
    return rows.map((r) => entry(r, options));
  }

  /**
   * Entries whose input matches the glob `pattern` (`*`, `?`, `[...]`, case-sensitive), the last
   * `n` of them (all when `n` is not positive), oldest first; with `unique`, each input once
   * (its latest occurrence).
   */
  search(pattern: string, n: number, unique: boolean, options: HistoryQueryOptions = {}): HistoryEntry[] {
    const limit = n > 0 ? Math.floor(n) : -1;
    const sql = unique
      ? `SELECT h.session, h.line, h.source, h.output FROM history h
         JOIN (SELECT source, MAX(session * 1000000000 + line) AS k FROM history WHERE source GLOB ? GROUP BY source) u
           ON h.source = u.source AND h.session * 1000000000 + h.line = u.k
         ORDER BY h.session DESC, h.line DESC LIMIT ?`
      : "SELECT session, line, source, output FROM history WHERE source GLOB ? ORDER BY session DESC, line DESC LIMIT ?";
    const rows = this.db.prepare(sql).all(pattern, limit) as Row[];
    return rows.reverse().map((r) => entry(r, options));
  }

  /** Marks the session ended and closes the database. */
  close(): void {
    try {
      this.db.prepare("UPDATE sessions SET ended = ? WHERE session = ?").run(new Date().toISOString(), this.session);
    } finally {
      this.db.close();
    }
  }
}

function entry(row: Row, options: HistoryQueryOptions): HistoryEntry {
  return options.output ? [row.session, row.line, [row.source, row.output]] : [row.session, row.line, row.source];
}
