/**
 * What an evaluation worker of a spread fit does with one slice of points, wherever it runs (the
 * worker process itself, or one of its evaluation threads): the nllf of each point, its residual
 * vector (`lm`'s Jacobian rows), or its model curves on the band grids (a sampler's model band).
 * The error texts are the ones the sampler reports when a worker answers with an error.
 */
import { bandGrids, bandWidth, curvesAt, isBandSource, type BandGrid } from "../model-bands.js";
import type { Problem } from "../types.js";
import type { RequestKind } from "./zmq-frames.js";

/** A model, its shape read once, and, once a band was asked for, its band grids. */
export interface SliceModel {
  problem: Problem;
  /** The fitted parameters: the values per point of the sampler's points (the hello's labels). */
  parameters: number;
  /** The model's residual count. */
  residuals: number;
  /** The band grids, computed at the first `curves` request. */
  grids?: BandGrid[];
}

/**
 * The slice model of `problem`. Its parameter and residual counts are read here once: the
 * problem's `labels()` and `residualCount()` re-read its parameters (Sets, filters, label
 * strings), work that per slice sits on the critical path of every round, in every thread.
 */
export function sliceModel(problem: Problem): SliceModel {
  return { problem, parameters: problem.labels().length, residuals: problem.residualCount() };
}

/**
 * The values per point of a `kind` request, or the error text when the model cannot answer it:
 * `resid` gives the model's residual count, `curves` the band grids' width, which must equal
 * `asked` (the sampler's).
 */
export function sliceWidth(model: SliceModel, kind: RequestKind, asked: number | undefined): number | string {
  if (kind === "eval") return 1;
  if (kind === "resid") return model.residuals;
  const problem = model.problem;
  if (!isBandSource(problem)) return "the model file's problem does not expose its models, so it draws no band";
  model.grids ??= bandGrids(problem);
  const width = bandWidth(model.grids);
  return asked === width ? width : `the model file's curves have ${width} values per draw, expected ${asked}`;
}

/**
 * Evaluates points `from..to` of `points` (row-major, one row per point) into `out` (`width`
 * values per point, at the same row), `width` being {@link sliceWidth}'s. Throws what the model
 * throws.
 */
export function evaluateSlice(
  model: SliceModel,
  kind: RequestKind,
  points: Float64Array,
  from: number,
  to: number,
  width: number,
  out: Float64Array,
): void {
  const problem = model.problem;
  const p = model.parameters;
  for (let i = from; i < to; i++) {
    const x = points.subarray(i * p, i * p + p);
    if (kind === "eval") out[i] = problem.nllf(x);
    else if (kind === "resid") problem.residuals(x, out.subarray(i * width, (i + 1) * width));
    else if (isBandSource(problem) && model.grids !== undefined)
      curvesAt(problem, model.grids, x, out.subarray(i * width, (i + 1) * width));
  }
}

/** What a worker process evaluates its slices with: the model in the process, or its evaluation threads. */
export interface SliceEvaluator {
  /** The fitted parameters of the model file. */
  readonly labels: string[];
  /** The model's residual count. */
  readonly residuals: number;
  /** Points evaluated at once: the worker's capacity, told to the sampler in its hello. */
  readonly threads: number;
  /**
   * The values of `count` points (row-major in `points`) for a `kind` request, `width` per point
   * (see {@link sliceWidth}), or the error text the sampler is to hear.
   */
  evaluate(kind: RequestKind, points: Float64Array, count: number, asked: number | undefined): Promise<Float64Array | string>;
  /** Settles with the error that broke the evaluator for good (an evaluation thread died), if it can break. */
  readonly failed?: Promise<Error>;
  /** Stops what runs. Idempotent. */
  close(): Promise<void>;
}

/**
 * Slices evaluated in the worker process itself, one point after the other; `breathe` runs
 * after each point (the worker lets its heartbeat out there when one is due).
 */
export class InlineSlices implements SliceEvaluator {
  private readonly model: SliceModel;
  /** @inheritDoc */
  readonly labels: string[];
  /** @inheritDoc */
  readonly threads = 1;

  constructor(
    problem: Problem,
    private readonly breathe: () => Promise<void> | undefined,
  ) {
    this.model = sliceModel(problem);
    this.labels = problem.labels();
  }

  /** @inheritDoc */
  get residuals(): number {
    return this.model.residuals;
  }

  /** @inheritDoc */
  async evaluate(
    kind: RequestKind,
    points: Float64Array,
    count: number,
    asked: number | undefined,
  ): Promise<Float64Array | string> {
    const width = sliceWidth(this.model, kind, asked);
    if (typeof width === "string") return width;
    const out = new Float64Array(count * width);
    try {
      for (let i = 0; i < count; i++) {
        evaluateSlice(this.model, kind, points, i, i + 1, width, out);
        const pause = this.breathe();
        if (pause !== undefined) await pause;
      }
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    return out;
  }

  /** @inheritDoc */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
