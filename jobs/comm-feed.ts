/**
 * The kernel side of the `hpcfit.jobs` comm (shapes in schema/jobs.ts): the Jobs panel
 * subscribes, the feed polls the jobs backend while anyone listens (every `fastIntervalMs` while
 * a job pends or runs, every `slowIntervalMs` otherwise, never with no subscriber) and pushes
 * what changed; it answers actions, tails and submissions with a `reply`.
 */
import { userInfo } from "node:os";
import type { Comm, CommManager, JSONObject } from "../kernel/comms/types.js";
import {
  JOBS_COMM_TARGET,
  isTerminalState,
  validateJobsClientMessage,
  validateJobsServerMessage,
  type JobRow,
  type JobsClientMessage,
  type JobsFilter,
  type JobsServerMessage,
} from "../schema/jobs.js";
import { backend as currentBackend } from "./api.js";
import { readTail } from "./job.js";
import { ACTIVE_STATES } from "./states.js";
import type { JobsBackend } from "./types.js";
import type { JobsRequestHandler } from "./comm-requests.js";

/** Tuning of the feed. */
export interface JobsFeedOptions {
  /** Poll interval while a job pends or runs (default 1000 ms). */
  fastIntervalMs?: number;
  /** Poll interval otherwise (default 10000 ms). */
  slowIntervalMs?: number;
  /** The backend to watch (default: the jobs API's current backend, looked up at each poll). */
  backend?: () => JobsBackend;
  /** Answers the "New fit job" form's requests (without it they get a failed reply). */
  requests?: JobsRequestHandler;
}

interface Subscriber {
  comm: Comm;
  filter: JobsFilter;
  /** Last row sent per job id, as JSON, to push only changes. */
  sent: Map<string, string>;
  tails: Map<string, () => void>;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Registers the `hpcfit.jobs` comm target on `comms`; returns a function that stops the feed. */
export function registerJobsFeed(comms: CommManager, options: JobsFeedOptions = {}): () => void {
  const fast = options.fastIntervalMs ?? 1000;
  const slow = options.slowIntervalMs ?? 10_000;
  const getBackend = options.backend ?? currentBackend;
  const subscribers = new Map<string, Subscriber>();
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  let again = false;
  const me = userInfo().username;

  const send = (comm: Comm, message: JobsServerMessage): void => {
    const check = validateJobsServerMessage(message);
    if (!check.ok) throw new Error(`hpcfit.jobs: refusing to send an invalid message: ${check.error}`);
    comm.send(message as unknown as JSONObject);
  };

  const visible = (rows: JobRow[], filter: JobsFilter): JobRow[] => {
    const user = filter.user === undefined || filter.user === "me" ? me : filter.user;
    const states = filter.states === undefined || filter.states === "all" ? null : new Set(filter.states);
    return rows.filter((r) => (user === "all" || r.user === user) && (states === null || states.has(r.state)));
  };

  const schedule = (ms: number): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (subscribers.size === 0) return;
    timer = setTimeout(() => void poll(), ms);
    timer.unref();
  };

  /** Subscribers owed a full snapshot at the next poll (a new subscription, a refresh). */
  const snapshotWanted = new Set<Subscriber>();
  let lastKind: string | undefined;

  const poll = async (snapshotFor?: Subscriber): Promise<void> => {
    if (snapshotFor) snapshotWanted.add(snapshotFor);
    // A poll already under way runs again as soon as it ends, so no request is ever dropped.
    if (polling) {
      again = true;
      return;
    }
    polling = true;
    let active = false;
    try {
      const b = getBackend();
      const rows = await b.list({ states: "all" });
      // After `%slurm backend ...` the rows come from another scheduler: everyone gets a snapshot.
      const switched = lastKind !== undefined && lastKind !== b.kind;
      lastKind = b.kind;
      for (const sub of subscribers.values()) {
        const mine = visible(rows, sub.filter);
        active ||= mine.some((r) => ACTIVE_STATES.includes(r.state));
        if (switched || snapshotWanted.has(sub)) {
          snapshotWanted.delete(sub);
          sub.sent = new Map(mine.map((r) => [r.id, JSON.stringify(r)]));
          send(sub.comm, { type: "snapshot", version: 1, backend: b.kind, jobs: mine });
          continue;
        }
        const upserted = mine.filter((r) => sub.sent.get(r.id) !== JSON.stringify(r));
        const ids = new Set(mine.map((r) => r.id));
        const removed = [...sub.sent.keys()].filter((id) => !ids.has(id));
        if (upserted.length === 0 && removed.length === 0) continue;
        for (const r of upserted) sub.sent.set(r.id, JSON.stringify(r));
        for (const id of removed) sub.sent.delete(id);
        send(sub.comm, { type: "changes", version: 1, upserted, removed });
      }
    } catch (e) {
      for (const sub of subscribers.values()) send(sub.comm, { type: "error", error: `could not read jobs: ${errorText(e)}` });
    } finally {
      polling = false;
      if (again) {
        again = false;
        void poll();
      } else schedule(active ? fast : slow);
    }
  };

  const startTail = (sub: Subscriber, m: Extract<JobsClientMessage, { type: "tail" }>): void => {
    const stream = m.stream ?? "stdout";
    let offset = 0;
    const step = async (first: boolean): Promise<void> => {
      if (!sub.tails.has(m.requestId)) return;
      try {
        const rows = await getBackend().list({ ids: [m.id], states: "all" });
        const row = rows[0];
        if (!row) throw new Error(`no such job: ${m.id}`);
        const path = stream === "stdout" ? row.stdout : row.stderr;
        const all = path ? readTail(path) : "";
        const text = first && m.lines !== undefined ? readTail(path ?? "", m.lines) : all.slice(offset);
        offset = all.length;
        const done = !m.follow || rows.every((r) => isTerminalState(r.state));
        if (text !== "" || done || first) send(sub.comm, { type: "output", requestId: m.requestId, id: m.id, stream, text, done });
        if (done) sub.tails.delete(m.requestId);
        else setTimeout(() => void step(false), fast).unref();
      } catch (e) {
        sub.tails.delete(m.requestId);
        send(sub.comm, { type: "output", requestId: m.requestId, id: m.id, stream, text: `error: ${errorText(e)}\n`, done: true });
      }
    };
    sub.tails.set(m.requestId, () => sub.tails.delete(m.requestId));
    void step(true);
  };

  const handle = async (sub: Subscriber, data: unknown): Promise<void> => {
    const check = validateJobsClientMessage(data);
    if (!check.ok) {
      const requestId = typeof (data as { requestId?: unknown })?.requestId === "string" ? (data as { requestId: string }).requestId : undefined;
      if (requestId) send(sub.comm, { type: "reply", requestId, ok: false, error: check.error });
      else send(sub.comm, { type: "error", error: check.error });
      return;
    }
    const m = check.value;
    const reply = async (requestId: string, work: () => Promise<JobRow[] | undefined>): Promise<void> => {
      try {
        const jobs = await work();
        send(sub.comm, jobs ? { type: "reply", requestId, ok: true, jobs } : { type: "reply", requestId, ok: true });
        void poll();
      } catch (e) {
        send(sub.comm, { type: "reply", requestId, ok: false, error: errorText(e) });
      }
    };
    switch (m.type) {
      case "subscribe":
        sub.filter = m.filter ?? {};
        subscribers.set(sub.comm.commId, sub);
        await poll(sub);
        break;
      case "unsubscribe":
        subscribers.delete(sub.comm.commId);
        snapshotWanted.delete(sub);
        if (subscribers.size === 0) schedule(0);
        break;
      case "refresh":
        if (subscribers.has(sub.comm.commId)) await poll(sub);
        break;
      case "action":
        await reply(m.requestId, async () => {
          const b = getBackend();
          if (m.action === "forget") await b.forget(m.ids);
          else await b[m.action](m.ids);
          return undefined;
        });
        break;
      case "tail":
        startTail(sub, m);
        send(sub.comm, { type: "reply", requestId: m.requestId, ok: true });
        break;
      case "untail":
        sub.tails.get(m.requestId)?.();
        send(sub.comm, { type: "reply", requestId: m.requestId, ok: true });
        break;
      case "submit":
        await reply(m.requestId, async () => getBackend().submit({ script: m.script, args: m.args ?? [] }));
        break;
      case "fitJobCatalog":
      case "fitJob":
        try {
          if (!options.requests) throw new Error(`this kernel does not answer ${m.type} requests`);
          send(sub.comm, await options.requests(m));
          void poll();
        } catch (e) {
          send(sub.comm, { type: "reply", requestId: m.requestId, ok: false, error: errorText(e) });
        }
        break;
    }
  };

  comms.registerTarget(JOBS_COMM_TARGET, (comm, data) => {
    const sub: Subscriber = { comm, filter: {}, sent: new Map(), tails: new Map() };
    comm.onMessage((msg) => handle(sub, msg));
    comm.onClose(() => {
      subscribers.delete(comm.commId);
      snapshotWanted.delete(sub);
      sub.tails.clear();
      if (subscribers.size === 0) schedule(0);
    });
    if (data && typeof data === "object" && "type" in data) return handle(sub, data);
  });
  return () => {
    comms.unregisterTarget(JOBS_COMM_TARGET);
    subscribers.clear();
    if (timer) clearTimeout(timer);
  };
}
