/**
 * A {@link PopulationEvaluator} that spreads each population over evaluation workers connected
 * over ZeroMQ (PARK's map and reduce): the sampler binds a ROUTER socket, workers (srun tasks on
 * any node) connect DEALER sockets, say hello with the parameters they fit, and then evaluate
 * the slices of points they are sent. The sampler keeps every random number, so the chains are
 * the same whatever the number of workers.
 *
 * A worker is taken for dead as soon as its connection closes (the socket monitor reports a
 * disconnect; the peers are then probed, and a send to a peer whose connection is gone fails at
 * once because the router is `mandatory`; the probes repeat until every disconnect is matched to
 * a lost worker, since the router drops a closed connection's pipe a little after the monitor
 * reports it), or, when a machine vanishes without closing anything,
 * after `deadAfterMs` without a result or a heartbeat. The slice it held goes back into the queue
 * for the others, the event is logged, and the fit goes on. A slice evaluated twice (a slow
 * worker thought dead) gives the same numbers, so the first answer wins.
 *
 * A worker has a capacity, the evaluation threads it said it has in its hello (one worker process
 * per node, with that node's share of the tasks as threads; 1 for a worker that evaluates in its
 * own thread). Each worker gets one contiguous slice per population, in one message, sized by its
 * capacity (every thread of every worker the same number of points, give or take one), so a
 * generation costs one message each way per worker process whatever the threads; tags travel as
 * 4-byte binary frames and values as raw doubles. A lost worker takes all its threads with it.
 *
 * Frames, worker → sampler: `hello` + JSON {labels, residuals, threads, host, node, pid}; `hb`;
 * `result` + tag + doubles + the milliseconds the slice took in the worker (a double); `error` +
 * tag + UTF-8 message. Sampler → worker: `eval` + tag + doubles (row-major points; one nllf back
 * per point), `resid` + tag + doubles (the residual vector back per
 * point, for `lm`'s Jacobian) or `curves` + tag + doubles + width (the model curves on the band
 * grids back per point, `width` values each as a 4-byte frame, for a sampler's model band,
 * `fit/model-bands.ts`); `ping` (ignored: a probe of the connection); `stop`.
 */
import { hostname } from "node:os";
import { Router } from "zeromq";
import { decodeMs, decodeTag, encodeTag, type RequestKind } from "./zmq-frames.js";
import type { PopulationEvaluator } from "../samplers/evaluator.js";

/** One evaluation worker as the driver sees it. */
export interface WorkerInfo {
  /** The worker's identity on the router socket. */
  id: string;
  /** The host it runs on. */
  host: string;
  /** The Slurm node it runs on (`SLURMD_NODENAME`), else its host. */
  node: string;
  /** Its process id on that host. */
  pid: number;
  /** Its evaluation threads: the points it evaluates at once (1 for a worker without threads). */
  threads: number;
  /** Points it evaluated (nllf, residuals or band curves; re-sent ones count again). */
  evaluated: number;
  /** False once it stopped answering or its connection closed. */
  alive: boolean;
}

/**
 * Where the rounds of a spread fit spend their time (means over the rounds of nllf values and
 * residuals so far; a sampler's model band is not counted). A round runs from the scatter of a
 * population to its last result; the last worker to answer sets its length, so the round splits
 * into that worker's own time and what the messages took on their way to it and back.
 */
export interface RoundTimes {
  /** Rounds counted. */
  rounds: number;
  /** Milliseconds from a round's scatter to its last result. */
  roundMs: number;
  /**
   * Of which the last worker to answer took from receiving its slice to sending the values: the
   * model, and the waking and gathering of its threads.
   */
  workerMs: number;
  /**
   * The rest: the slice's and the values' way through ZeroMQ, both sides' wake-ups included (and,
   * in a round whose slice was re-sent after a worker was lost, the wait for that loss).
   */
  transportMs: number;
  /**
   * Milliseconds between a round's last result and the next round's scatter: the sampler's own
   * work between rounds (over the rounds that followed another).
   */
  betweenMs: number;
}

/** Options of {@link ZmqEvaluator.bind}. */
export interface ZmqEvaluatorOptions {
  /** The fitted parameters; workers whose model fits others are refused. */
  labels: string[];
  /** Where to bind (default `tcp://0.0.0.0:0`, any free port). */
  bind?: string;
  /** A worker silent this long is taken for dead (default 5000 ms; workers beat every 500 ms). */
  deadAfterMs?: number;
  /** How long to wait for a first worker, and for any worker when all have died (default 120 s). */
  connectTimeoutMs?: number;
  /** Where events (connections, losses, re-sends) are logged. */
  log?: (line: string) => void;
}

interface Peer {
  routing: Buffer;
  info: WorkerInfo;
  lastSeen: number;
  /** The slice it holds, if any. */
  slice: Slice | undefined;
  /** Its connection closed: the router never gives that routing id to another connection, so it cannot come back. */
  connectionClosed: boolean;
}

interface Slice {
  tag: number;
  start: number;
  end: number;
  done: boolean;
}

/**
 * Probing after a disconnect. The monitor reports a closed connection from libzmq's I/O thread
 * before the router has dropped that connection's pipe, so a probe sent at once may still be
 * taken (and lost) instead of failing; with several connections closing together the last one's
 * probes can all come too early. Probes therefore repeat, the delay doubling from the first to
 * the longest, until each disconnect has been matched to a lost worker, or for the window after
 * the last unmatched one (a disconnect may be of a worker already lost to silence, one refused,
 * or one that closed before saying hello: nothing to find then).
 */
const PROBE_FIRST_MS = 5;
const PROBE_LONGEST_MS = 1000;
const PROBE_WINDOW_MS = 30_000;

/** Scatters populations to ZeroMQ workers and gathers their nllf. */
export class ZmqEvaluator implements PopulationEvaluator {
  private readonly peers = new Map<string, Peer>();
  private readonly log: (line: string) => void;
  private readonly deadAfterMs: number;
  /** Milliseconds between the watchdog's checks. */
  private readonly watchEveryMs: number;
  /** When the watchdog last ran: a longer gap means this thread was held and read nothing. */
  private lastCheck = Date.now();
  private readonly connectTimeoutMs: number;
  private closed = false;
  private nextTag = 1;
  private current:
    | {
        points: Float64Array;
        out: Float64Array;
        /** What the workers are asked for. */
        kind: RequestKind;
        /** Values per point: 1 (nllf), the residual count, or the band grids' width. */
        width: number;
        /** The frames after the points (the width of a `curves` request). */
        trailer: Buffer[];
        queue: Slice[];
        slices: Map<number, Slice>;
        remaining: number;
        resolve: () => void;
        reject: (e: Error) => void;
        waitingSince: number;
        /** When it was scattered (performance.now). */
        scatteredAt: number;
      }
    | undefined;
  /** Sums behind {@link roundTimes}. */
  private readonly roundSums = { rounds: 0, roundMs: 0, workerMs: 0, between: 0, betweenMs: 0 };
  /** When the last counted round ended (performance.now), while the next one has not begun. */
  private lastRoundEnd: number | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  /** Disconnects reported by the monitor and not yet matched to a worker found unreachable. */
  private unmatchedDisconnects = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private probeDelay = PROBE_FIRST_MS;
  private probeUntil = 0;
  private readonly connectWaiters: Array<() => void> = [];
  /** The residual count of the workers' model, as the first worker's hello said. */
  private residualCount: number | undefined;
  /** Number of slices re-sent after their worker was lost. */
  resent = 0;
  /** Points whose nllf or residuals the workers evaluated (re-sent ones count again). */
  evaluated = 0;
  /** Points whose band curves the workers evaluated (re-sent ones count again). */
  curvesEvaluated = 0;
  // zeromq allows one send in flight per socket: sends are chained.
  private sending: Promise<void> = Promise.resolve();

  private constructor(
    private readonly socket: Router,
    /** The endpoint workers connect to (`tcp://host:port`). */
    readonly endpoint: string,
    private readonly labels: string[],
    options: ZmqEvaluatorOptions,
  ) {
    this.log = options.log ?? (() => undefined);
    this.deadAfterMs = options.deadAfterMs ?? 5000;
    this.watchEveryMs = Math.max(100, Math.min(1000, this.deadAfterMs / 4));
    this.connectTimeoutMs = options.connectTimeoutMs ?? 120_000;
  }

  /** Binds the socket and starts listening for workers. */
  static async bind(options: ZmqEvaluatorOptions): Promise<ZmqEvaluator> {
    // mandatory: a send to a peer whose connection is gone fails at once (EHOSTUNREACH) instead
    // of being dropped silently, which is how a closed connection is told apart from a slow worker.
    const socket = new Router({ linger: 0, mandatory: true });
    await socket.bind(options.bind ?? "tcp://0.0.0.0:0");
    const bound = socket.lastEndpoint ?? "";
    const port = /:(\d+)$/.exec(bound)?.[1];
    if (port === undefined) throw new Error(`zmq evaluator: cannot tell the bound port from ${bound}`);
    const host = /^tcp:\/\/(0\.0\.0\.0|\*)/.test(bound) ? hostname() : /^tcp:\/\/([^:]+)/.exec(bound)![1];
    const ev = new ZmqEvaluator(socket, `tcp://${host}:${port}`, options.labels, options);
    void ev.receiveLoop();
    void ev.watchConnections();
    ev.watchdog = setInterval(() => ev.checkPeers(), ev.watchEveryMs);
    ev.watchdog.unref();
    return ev;
  }

  /** The workers seen so far. */
  workers(): WorkerInfo[] {
    return [...this.peers.values()].map((p) => ({ ...p.info }));
  }

  /** Points evaluated at once: the evaluation threads alive now (see {@link PopulationEvaluator.concurrency}). */
  get concurrency(): number {
    return this.aliveCount();
  }

  /** Evaluation threads alive now: the capacities of the live workers (a worker without threads counts one). */
  aliveCount(): number {
    let n = 0;
    for (const p of this.peers.values()) if (p.info.alive) n += p.info.threads;
    return n;
  }

  /** Worker processes alive now. */
  aliveProcesses(): number {
    let n = 0;
    for (const p of this.peers.values()) if (p.info.alive) n++;
    return n;
  }

  /** `8 alive`, or `16 threads in 4 workers alive` when a worker has threads: for the log. */
  private aliveText(): string {
    const threads = this.aliveCount();
    const processes = this.aliveProcesses();
    return threads === processes
      ? `${processes} alive`
      : `${threads} threads in ${processes} worker${processes === 1 ? "" : "s"} alive`;
  }

  /**
   * Resolves once `count` evaluation threads are connected, over any number of workers (rejects
   * after the connect timeout).
   */
  async waitForWorkers(count: number, timeoutMs = this.connectTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.aliveCount() < count) {
      if (this.closed) throw new Error("zmq evaluator: closed while waiting for workers");
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `zmq evaluator: ${this.aliveCount()} of ${count} evaluation threads connected to ${this.endpoint} within ${Math.round(timeoutMs / 1000)} s`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.connectWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /**
   * Waits for the first worker (up to the connect timeout), then for more as long as they keep
   * coming: returns the evaluation threads connected once `count` are, or once no worker came
   * for `quietMs`. Many workers take
   * a while to start on a busy allocation, but a task that never comes must not hold the fit;
   * late ones join as they connect.
   */
  async waitForArrivals(count: number, quietMs: number): Promise<number> {
    await this.waitForWorkers(1);
    while (this.aliveCount() < count) {
      const more = await this.waitForWorkers(this.aliveCount() + 1, quietMs).then(
        () => true,
        () => false,
      );
      if (!more) break;
    }
    return this.aliveCount();
  }

  private send(frames: Array<Buffer | string>): Promise<void> {
    const next = this.sending.then(() => this.socket.send(frames));
    this.sending = next.catch(() => undefined);
    return next;
  }

  private async receiveLoop(): Promise<void> {
    while (!this.closed) {
      let frames: Buffer[];
      try {
        frames = await this.socket.receive();
      } catch {
        if (this.closed) return;
        continue;
      }
      try {
        this.handle(frames);
      } catch (e) {
        this.log(`zmq evaluator: bad message ignored: ${(e as Error).message}`);
      }
    }
  }

  private handle(frames: Buffer[]): void {
    const [routing, kindBuf, meta, data, busyFrame] = frames;
    if (routing === undefined || kindBuf === undefined) return;
    const key = routing.toString("hex");
    const kind = kindBuf.toString();
    const now = Date.now();
    if (kind === "hello") {
      const hello = JSON.parse(meta?.toString() ?? "{}") as {
        labels?: string[];
        residuals?: number;
        threads?: number;
        host?: string;
        node?: string;
        pid?: number;
      };
      if ((hello.labels ?? []).join("\0") !== this.labels.join("\0")) {
        this.log(
          `worker ${hello.host}:${hello.pid} refused: its model fits ${(hello.labels ?? []).join(", ")}, the sampler's fits ${this.labels.join(", ")}`,
        );
        void this.send([routing, "stop"]).catch(() => undefined);
        return;
      }
      if (typeof hello.residuals === "number") this.residualCount ??= hello.residuals;
      const host = hello.host ?? "?";
      const threads = Number.isInteger(hello.threads) && hello.threads! > 0 ? hello.threads! : 1;
      const info: WorkerInfo = {
        id: key,
        host,
        node: hello.node ?? host,
        pid: hello.pid ?? 0,
        threads,
        evaluated: 0,
        alive: true,
      };
      this.peers.set(key, { routing, info, lastSeen: now, slice: undefined, connectionClosed: false });
      const withThreads = threads === 1 ? "" : ` with ${threads} threads`;
      this.log(`worker ${info.node}:${info.pid} connected${withThreads} (${this.aliveText()})`);
      for (const w of this.connectWaiters.splice(0)) w();
      this.dispatch();
      return;
    }
    const peer = this.peers.get(key);
    if (peer === undefined) {
      // A worker that never said hello (or a stale one from before a restart): ask it to say hello.
      return;
    }
    peer.lastSeen = now;
    // A message read after its connection closed was sent before: it says nothing of the worker now.
    if (!peer.info.alive && !peer.connectionClosed) {
      peer.info.alive = true;
      this.log(`worker ${peer.info.node}:${peer.info.pid} is back`);
    }
    if (kind === "hb") return;
    const cur = this.current;
    const tag = meta === undefined ? undefined : decodeTag(meta);
    if (peer.slice?.tag === tag) peer.slice = undefined;
    if (kind === "error") {
      // An error about a slice of an earlier population (one that failed already) says nothing of this one.
      if (cur === undefined || tag === undefined || !cur.slices.has(tag)) {
        this.dispatch();
        return;
      }
      cur.reject(new Error(`evaluation worker ${peer.info.node}:${peer.info.pid}: ${data?.toString() || "unknown error"}`));
      return;
    }
    if (kind === "result" && cur !== undefined && tag !== undefined) {
      const slice = cur.slices.get(tag);
      if (slice !== undefined && !slice.done && data !== undefined) {
        const n = slice.end - slice.start;
        const w = cur.width;
        if (data.byteLength !== 8 * n * w) {
          cur.reject(
            new Error(
              `evaluation worker ${peer.info.node}:${peer.info.pid} sent ${data.byteLength / 8} values for ${n} points of ${w} values`,
            ),
          );
          return;
        }
        // The frame's bytes go straight into the output: no intermediate array.
        new Uint8Array(cur.out.buffer, cur.out.byteOffset + 8 * slice.start * w, 8 * n * w).set(data);
        peer.info.evaluated += n;
        if (cur.kind === "curves") this.curvesEvaluated += n;
        else this.evaluated += n;
        slice.done = true;
        const q = cur.queue.indexOf(slice);
        if (q >= 0) cur.queue.splice(q, 1);
        if (--cur.remaining === 0) {
          const done = cur.resolve;
          this.current = undefined;
          this.countRound(cur.kind, cur.scatteredAt, decodeMs(busyFrame));
          done();
          return;
        }
      }
    }
    this.dispatch();
  }

  /** Gives queued slices (a lost worker's, or a population's that came while no worker was idle) to idle live workers. */
  private dispatch(): void {
    const cur = this.current;
    if (cur === undefined) return;
    for (const peer of this.peers.values()) {
      if (cur.queue.length === 0) return;
      if (!peer.info.alive || peer.slice !== undefined) continue;
      this.sendSlice(peer, cur.queue.shift()!);
    }
  }

  /** Sends `slice` of the current population to `peer`, which holds it until it answers or is lost. */
  private sendSlice(peer: Peer, slice: Slice): void {
    const cur = this.current!;
    peer.slice = slice;
    const p = this.labels.length;
    const pts = cur.points.subarray(slice.start * p, slice.end * p);
    const bytes = Buffer.from(pts.buffer, pts.byteOffset, pts.byteLength);
    this.send([peer.routing, cur.kind, encodeTag(slice.tag), bytes, ...cur.trailer]).catch((e: unknown) => {
      if (isUnreachable(e)) this.loseClosed(peer);
      else this.log(`sending to worker ${peer.info.node}:${peer.info.pid} failed: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  /**
   * Marks `peer` dead, puts the slice it held back in front of the queue, logs why, and gives
   * the queue to the live workers.
   */
  private lose(peer: Peer, why: string): void {
    if (!peer.info.alive) return;
    peer.info.alive = false;
    const slice = peer.slice;
    peer.slice = undefined;
    let what = "it held no points";
    if (slice !== undefined && !slice.done && this.current?.slices.get(slice.tag) === slice) {
      this.current.queue.unshift(slice);
      this.resent++;
      what = `re-sending its ${slice.end - slice.start} points to the others`;
    }
    this.log(`worker ${peer.info.node}:${peer.info.pid} lost (${why}); ${what}; ${this.aliveText()}`);
    this.dispatch();
  }

  /** Loses `peer` because a send to it found its connection gone, matching one reported disconnect. */
  private loseClosed(peer: Peer): void {
    if (peer.connectionClosed) return;
    peer.connectionClosed = true;
    if (this.unmatchedDisconnects > 0) this.unmatchedDisconnects--;
    this.lose(peer, "its connection closed");
  }

  /** Sends a probe to every live peer; a peer whose connection is gone fails at once (the router is mandatory). */
  private probe(): void {
    for (const peer of this.peers.values()) {
      if (!peer.info.alive) continue;
      this.send([peer.routing, "ping"]).catch((e: unknown) => {
        if (isUnreachable(e)) this.loseClosed(peer);
      });
    }
  }

  /** Probes again after the current delay, as long as a disconnect is unmatched and its window lasts. */
  private scheduleProbe(): void {
    if (this.probeTimer !== undefined) clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      if (this.closed || this.unmatchedDisconnects === 0) return;
      if (Date.now() > this.probeUntil) {
        this.unmatchedDisconnects = 0;
        return;
      }
      this.probe();
      this.probeDelay = Math.min(PROBE_LONGEST_MS, 2 * this.probeDelay);
      this.scheduleProbe();
    }, this.probeDelay);
    this.probeTimer.unref();
  }

  /**
   * Follows the router's connections: when one closes, probes every live peer, at once and then
   * again (see {@link PROBE_WINDOW_MS}), so a peer whose connection is gone is lost without
   * waiting for its heartbeats to stop.
   */
  private async watchConnections(): Promise<void> {
    const events = this.socket.events;
    while (!this.closed) {
      let event: { type: string };
      try {
        event = await events.receive();
      } catch {
        return;
      }
      if (event.type === "end") return;
      if (event.type !== "disconnect") continue;
      this.unmatchedDisconnects++;
      this.probeUntil = Date.now() + PROBE_WINDOW_MS;
      this.probeDelay = PROBE_FIRST_MS;
      this.probe();
      this.scheduleProbe();
    }
  }

  /**
   * Declares silent workers dead and re-queues what they held. Silence counts only while this
   * thread could listen: when it was held (a model call in the driver, a long synchronous step),
   * the workers' heartbeats of that time still wait unread in the socket, so the time held is
   * credited to every worker rather than taken for their silence.
   */
  private checkPeers(): void {
    const now = Date.now();
    const held = now - this.lastCheck - this.watchEveryMs;
    this.lastCheck = now;
    if (held > this.watchEveryMs) for (const peer of this.peers.values()) peer.lastSeen = Math.min(now, peer.lastSeen + held);
    for (const peer of this.peers.values()) {
      if (!peer.info.alive || now - peer.lastSeen < this.deadAfterMs) continue;
      this.lose(peer, `silent for ${((now - peer.lastSeen) / 1000).toFixed(1)} s`);
    }
    const cur = this.current;
    if (cur === undefined) return;
    if (this.aliveCount() > 0) {
      cur.waitingSince = now;
      this.dispatch();
    } else if (now - cur.waitingSince > this.connectTimeoutMs) {
      cur.reject(new Error(`zmq evaluator: no evaluation worker alive for ${Math.round(this.connectTimeoutMs / 1000)} s`));
      this.current = undefined;
    }
  }

  /** @inheritDoc */
  evaluatePopulation(points: Float64Array, count: number, out: Float64Array): Promise<void> {
    return this.scatter(points, count, out, "eval", 1);
  }

  /** @inheritDoc */
  evaluateResiduals(points: Float64Array, count: number, out: Float64Array): Promise<void> {
    const m = this.residualCount;
    if (m === undefined || m === 0)
      return Promise.reject(new Error("zmq evaluator: the workers' model has no residuals (or no worker said how many)"));
    return this.scatter(points, count, out, "resid", m);
  }

  /**
   * Model curves on the band grids (`fit/model-bands.ts`), spread over the workers like a
   * population (a lost worker's slice is re-sent); a worker whose model's grids hold another
   * number of values than `width` answers with an error, which rejects.
   */
  evaluateCurves(points: Float64Array, count: number, width: number, out: Float64Array): Promise<void> {
    return this.scatter(points, count, out, "curves", width);
  }

  /** Spreads `count` points over the workers as `kind` requests, `width` values back per point into `out`. */
  private scatter(points: Float64Array, count: number, out: Float64Array, kind: RequestKind, width: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error("zmq evaluator is closed"));
    if (this.current !== undefined) return Promise.reject(new Error("zmq evaluator: one population at a time"));
    if (count === 0) return Promise.resolve();
    const scatteredAt = performance.now();
    const slices = new Map<number, Slice>();
    const queue: Slice[] = [];
    const slice = (start: number, end: number): Slice => {
      const made: Slice = { tag: this.nextTag++, start, end, done: false };
      slices.set(made.tag, made);
      return made;
    };
    // The points cost the same, so the makespan is the busiest thread's: every thread of the idle
    // workers gets count / threads points, give or take one, and each worker the contiguous run
    // of its threads' points.
    const idle = [...this.peers.values()].filter((peer) => peer.info.alive && peer.slice === undefined);
    const threads = idle.reduce((n, peer) => n + peer.info.threads, 0);
    const assigned: Array<[Peer, Slice]> = [];
    if (threads === 0) queue.push(slice(0, count));
    else {
      let unit = 0;
      for (const peer of idle) {
        const start = Math.floor((unit * count) / threads);
        unit += peer.info.threads;
        const end = Math.floor((unit * count) / threads);
        if (end > start) assigned.push([peer, slice(start, end)]);
      }
    }
    return new Promise<void>((resolve, reject) => {
      this.current = {
        points,
        out,
        kind,
        width,
        trailer: kind === "curves" ? [encodeTag(width)] : [],
        queue,
        slices,
        remaining: slices.size,
        resolve,
        reject: (e) => {
          this.current = undefined;
          reject(e);
        },
        waitingSince: Date.now(),
        scatteredAt,
      };
      for (const [peer, part] of assigned) this.sendSlice(peer, part);
      this.dispatch();
    });
  }

  /** Where the rounds so far spent their time; undefined before the first round ended. */
  roundTimes(): RoundTimes | undefined {
    const s = this.roundSums;
    if (s.rounds === 0) return undefined;
    const roundMs = s.roundMs / s.rounds;
    const workerMs = s.workerMs / s.rounds;
    return {
      rounds: s.rounds,
      roundMs,
      workerMs,
      transportMs: roundMs - workerMs,
      betweenMs: s.between === 0 ? 0 : s.betweenMs / s.between,
    };
  }

  /**
   * Adds the round scattered at `scatteredAt` that ended now to {@link roundTimes}, `lastBusy`
   * being the time its last worker took (absent from a worker that does not say: the round is
   * then not counted, nor is a band's).
   */
  private countRound(kind: RequestKind, scatteredAt: number, lastBusy: number | undefined): void {
    const now = performance.now();
    const s = this.roundSums;
    if (kind === "curves" || lastBusy === undefined) {
      this.lastRoundEnd = undefined;
      return;
    }
    const roundMs = now - scatteredAt;
    s.rounds++;
    s.roundMs += roundMs;
    s.workerMs += Math.min(lastBusy, roundMs);
    if (this.lastRoundEnd !== undefined) {
      s.between++;
      s.betweenMs += scatteredAt - this.lastRoundEnd;
    }
    this.lastRoundEnd = now;
  }

  /** Tells the workers to stop and closes the socket. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.probeTimer !== undefined) clearTimeout(this.probeTimer);
    await Promise.all(
      [...this.peers.values()].filter((p) => p.info.alive).map((p) => this.send([p.routing, "stop"]).catch(() => undefined)),
    );
    this.closed = true;
    // Let the stop messages leave before the socket goes.
    await new Promise((r) => setTimeout(r, 100));
    this.socket.close();
  }
}

/** Whether a send failed because the peer's connection is gone. */
function isUnreachable(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === "EHOSTUNREACH";
}
