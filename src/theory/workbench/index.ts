/**
 * The bound-check workbench: state a claim (a prediction, an experiment, its kind) and get rows in
 * the theory report's format. See docs/workbench.md.
 */
export { type Claim, CLAIM_KINDS, type ClaimExperiment, type ClaimKind, type MeasuredValue, type Params, prepareClaim, type PreparedClaim } from './claim.ts';
export { type ClaimPoint, runClaim, type RunClaimOptions } from './run.ts';
export { bonferroniQuantile, boundVerdict, equalityVerdict, type ExponentFit, type PointComparison, scalingVerdict } from './verdicts.ts';
