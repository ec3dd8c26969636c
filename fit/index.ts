export { Random } from "./random.js";
export type { Problem, FitOptions, Monitor, MonitorInfo, OnFailure, ParameterEstimate } from "./types.js";
export type { MethodOptions } from "./options/types.js";
export { FIT_OPTIONS, type FitOptionName } from "./options/definitions.js";
export { FIT_METHODS, type FitMethodName, type OptionSpec } from "./options/spec.js";
export { checkFitOptions } from "./options/check.js";
export { Parameter, toParameter, type Tie, type Prior, type ParameterLike } from "./parameter.js";
export { isModel, type Model } from "./model.js";
export {
  Curve,
  CurveModel,
  type CurveConstructor,
  type CurveFunction,
  type CurveX,
  type CurveY,
  type CurveOptions,
  type CurveInitial,
  type ParameterMap,
} from "./curve.js";
export { PoissonCurve, PoissonCurveModel, type PoissonCurveConstructor } from "./poisson-curve.js";
export { Fitness, type FitnessSpec, type Values } from "./fitness.js";
export { FitProblem, type FitProblemOptions, type Constraint } from "./problem.js";
export { FitResult, type FitResultInit, type MethodOutcome } from "./result.js";
export { formatValueError, textReport, htmlReport, type ReportData } from "./report.js";
export { carefulJacobian, covarianceFromJacobian, covarianceAt, nllfHessian, inverseSpd } from "./covariance.js";
export { registerMethod, getMethod, methodNames, EvaluationCounter, type FitMethod, type MethodContext } from "./methods.js";
export { CountingProblem } from "./counting-problem.js";
export { fit, lastFit, FitError } from "./fit.js";
export { STOP_REASONS, stopWords, type StopReason } from "./stop-reason.js";
export { NonFiniteError, NonFiniteLog, type NonFiniteKind } from "./non-finite.js";
export { levenbergMarquardt, type LmOptions, type LmOutcome } from "./optimizers/lm/index.js";
export * from "./mcmc/index.js";
export * from "./samplers/index.js";
export { parseTextColumns, parseNumber, type TextColumns } from "./data/text-columns.js";
