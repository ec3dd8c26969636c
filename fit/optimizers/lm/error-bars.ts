/**
 * The last Jacobian (analytic, central, or forward differences, whose O(√ε) error moves the error
 * bars far below the digits they carry), when taken at the optimum within COVARIANCE_REUSE
 * relative, also gives the error bars, which then cost no further evaluation.
 */
import { jacobianStillValid } from "../../covariance.js";
import type { LmState } from "./state.js";
import type { LmOutcome } from "./types.js";

/**
 * The last Jacobian serves the error bars when taken within this relative distance of the
 * optimum (the last step, at most a few times STEP_TOL when the step test stops the run): the
 * covariance moves by about as much times the model's relative curvature, below 1e-4 on the NIST
 * problems, while error bars are read to two to four digits.
 */
export const COVARIANCE_REUSE = 1e-5;

/**
 * Whether a converged run measures one more Jacobian at the optimum: the last step went too far
 * for the last Jacobian to serve, and one more of the same kind there (p or 2p evaluations) costs
 * less than the error bars' own extrapolated one (4p + 1). Not for an analytic Jacobian, which
 * the error bars take afresh at no residual evaluation.
 */
export function closingJacobianDue(s: LmState, converged: boolean): boolean {
  return converged && s.keepAccurate && s.walls === 0 && !s.analyticUsed && !jacobianStillValid(s.jkeepAt, s.x, COVARIANCE_REUSE);
}

/**
 * The last Jacobian for the outcome (row-major) with the point it was taken at, when it covers
 * every parameter; not when parameters are held at walls, nor when it is an analytic Jacobian
 * taken elsewhere than at x (`analyticElsewhere`: better taken afresh at the optimum by the error
 * bars, at no residual evaluation).
 */
export function jacobianForErrorBars(s: LmState, analyticElsewhere: boolean): LmOutcome["jacobian"] {
  if (!(s.keepAccurate && s.walls === 0 && !analyticElsewhere)) return undefined;
  const { m, n, jkeep } = s;
  const J = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) J[i * n + j] = jkeep[i + j * m];
  return { J, at: Float64Array.from(s.jkeepAt), within: COVARIANCE_REUSE };
}
