/**
 * The `application/vnd.hpcfit.fit+json` MIME bundle: what a least-squares or optimizer result
 * (`FitResult`) sends to the JupyterLab extension, which draws the data with error bars, the
 * model curve and the residuals, and a table of parameters. The result store writes the same
 * object as the `fit` member of `<name>.json`. Pure types: no imports, so the extension can
 * import it type-only.
 *
 * Conventions:
 * - Residuals are `(f(x) - y) / dy`, the definition used everywhere in hpcfit.
 * - Non-finite numbers cannot travel in JSON; a value that is undefined (an uncertainty of a
 *   singular fit, a NaN produced by the model) is `null`.
 * - Arrays of one model all have the same length `n` (number of points) unless said otherwise.
 *
 * Versions: 2 adds {@link FitBundleCurve.bands} (the model's uncertainty band from a sampler's
 * draws); everything else is as in version 1, so a renderer of version 2 draws a version 1
 * bundle (saved in an older notebook) as it always was, without bands.
 */

/** The MIME type of {@link FitBundle}. */
export const FIT_MIME = "application/vnd.hpcfit.fit+json";

/** One fitted (free) parameter. */
export interface FitBundleParameter {
  /** Name as shown to the user (a model prefix such as `"M1.amp"` when several models share a problem). */
  name: string;
  /** Best value. */
  value: number;
  /**
   * Standard uncertainty: `dx * sqrt(chisq)` when the data carried no `dy`, `dx` otherwise
   * (see {@link FitBundle.chisq}); null when the covariance is singular.
   */
  stderr: number | null;
  /** Lower bound (null when unbounded below). */
  lower: number | null;
  /** Upper bound (null when unbounded above). */
  upper: number | null;
}

/**
 * The spread of the model curve over a sampler's posterior draws, on the curve's grid: at each
 * grid point, the central 68% and 95% intervals of the model values of a thinned set of draws.
 * Each array has one row per response, each row the length of {@link FitBundleCurve.x}; an entry
 * is null where fewer than half the draws gave a finite model value.
 */
export interface FitBundleBands {
  /** Number of posterior draws the model was evaluated at. */
  draws: number;
  /** Lower end of the central 68% interval (probability 0.1587). */
  lower68: (number | null)[][];
  /** Upper end of the central 68% interval (probability 0.8413). */
  upper68: (number | null)[][];
  /** Lower end of the central 95% interval (probability 0.025). */
  lower95: (number | null)[][];
  /** Upper end of the central 95% interval (probability 0.975). */
  upper95: (number | null)[][];
}

/** A dense evaluation of the model for drawing a smooth curve. */
export interface FitBundleCurve {
  /** Abscissae: a fine grid (about 400 points) spanning the data's x, including the data's own x. */
  x: number[];
  /** Model values at `x`, one array per response (see {@link FitBundleModel.y}). */
  y: (number | null)[][];
  /** Version 2: the model's uncertainty band from a sampler's draws; absent for optimizer results. */
  bands?: FitBundleBands;
}

/** The data and fit of one model of the problem. */
export interface FitBundleModel {
  /**
   * Title of the model: its `name`, else the notebook variable it was declared as; a problem's
   * only model then takes the problem's name or variable; else `"model"` (`"model 2"` among
   * several).
   */
  name: string;
  /** Kind of model: `"curve"`, `"poisson"` (counts: error bars are sqrt(y)), or `"nllf"` (no data arrays). */
  kind: "curve" | "poisson" | "nllf";
  /**
   * Abscissae when 1-D numeric, else null (multi-dimensional x: plot against the point index).
   */
  x: number[] | null;
  /** Measured values, one array per response (most models have one response), each of length n. */
  y: number[][];
  /** Uncertainty of each measured value, same shape as `y` (1 when no `dy` was given). */
  dy: number[][];
  /** Model values at the data's x, same shape as `y`. */
  fx: (number | null)[][];
  /** Residuals `(fx - y) / dy` (Poisson: signed deviance residuals), same shape as `y`. */
  residuals: (number | null)[][];
  /** Dense curve for plotting; null when x is not 1-D numeric or the model has no curve. */
  curve: FitBundleCurve | null;
  /** Whether `dy` was given by the user (false: unit weights). */
  hasUncertainties: boolean;
}

/** The fit bundle version this code writes. */
export const FIT_BUNDLE_VERSION = 2;

/** Versions of the fit bundle a renderer of this version draws. */
export const FIT_BUNDLE_VERSIONS_READ: readonly number[] = [1, 2];

/** The fit bundle (version 2; version 1 is the same shape without curve bands). */
export interface FitBundle {
  /** Shape version: 2 when written by this code; 1 in notebooks saved before bands existed. */
  version: 1 | 2;
  /** Method that produced the result (`"lm"`, `"amoeba"`, ...). */
  method: string;
  /** The fitted parameters, in the order of the result's `x`. */
  parameters: FitBundleParameter[];
  /**
   * Reduced chi-square: sum of squared residuals / dof. For a problem with no residuals,
   * `2 nllf / dof`.
   */
  chisq: number | null;
  /** Negative log-likelihood at the best point (data misfit + priors). */
  nllf: number | null;
  /** Degrees of freedom `n - p` (number of data points minus fitted parameters). */
  dof: number;
  /** Number of model evaluations used by the method. */
  evaluations: number;
  /** Whether the method's stopping criteria were met (false: step limit, stop, or failure). */
  converged: boolean;
  /** The method's convergence message, for people. */
  message: string;
  /** Correlation matrix of the parameters, row-major `p × p` (null entries where undefined). */
  correlation: (number | null)[];
  /** One entry per model of the problem. */
  models: FitBundleModel[];
}
