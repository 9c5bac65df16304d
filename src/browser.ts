/**
 * asgd-sdde — the part of the public API that runs anywhere JavaScript runs: no Node built-ins
 * (file system, worker threads, child processes) are reachable from here. Bundlers that target
 * the browser resolve `asgd-sdde` to this module (the "browser" condition of package.json's
 * exports; also `asgd-sdde/browser`). `src/index.ts` re-exports all of it and adds the Node-only
 * parts: figure files and PNGs, CSV output, ensembles on worker threads and the theory checks.
 *
 * SDDE solver:   defineSdde → solve(problem, new EulerMaruyama() | new Milstein(), options) → SddeSolution;
 *                convergenceOrder (strong and weak orders from a dt ladder)
 * ASGD runner:   asgdConfig / runAsgd over a FiniteSumObjective
 * Bridge:        sddeFromAsgd (He et al. Eq. 4 → 5 → 6), runPair (three couplings)
 * Delay models:  delayModel (constant, uniform, geometric, Poisson, CMP, pmf)
 * Randomness:    deriveEngine (one master seed → independent streams), NormalSampler
 */

// SDDE: what the equation is, how it is stepped, what is saved
export { defineSdde } from './sdde/problem.ts';
export { evalHistory, MAX_DELAYS } from './sdde/problem-compile.ts';
export type { CoefficientFn, DelaySpec, DiffusionDerivatives, DiffusionSpec, HistorySpec, JvpFn, SddeProblem, SddeSpec, SingleDelaySpec } from './sdde/problem.ts';
export { solve, gridSteps } from './sdde/solve.ts';
export type { SolveOptions } from './sdde/solve.ts';
export type { HistoryInterpolation } from './sdde/delayed-read.ts';
export type { EventRecord, EventSpec } from './sdde/events.ts';
export type { SddeAlgorithm, StepContext, Stepper, StepperBinding } from './sdde/algorithm.ts';
export { solvePaths } from './sdde/solve-paths.ts';
export type { SolvePathsOptions } from './sdde/solve-paths.ts';
export { EulerMaruyama } from './sdde/algorithms/euler-maruyama.ts';
export { Milstein } from './sdde/algorithms/milstein.ts';
export type { MilsteinOptions } from './sdde/algorithms/milstein.ts';
export { convergenceOrder } from './sdde/convergence.ts';
export type { ConvergenceOptions, ConvergenceResult, LevelError, OrderFit } from './sdde/convergence.ts';
export type { SaveAtSpec } from './sdde/save-at.ts';
export { component, stateAt } from './sdde/solution.ts';
export { stateAtTime } from './sdde/dense-output.ts';
export type { DenseData, SolutionRow, SolutionViews } from './sdde/dense-output.ts';
export type { Divergence, SddeSolution, SolveStatus } from './sdde/solution.ts';
export { brownianPath, coarsenIncrements, GaussianIncrements, PrescribedIncrements } from './sdde/brownian.ts';
export type { BrownianIncrements } from './sdde/brownian.ts';

// Delays, shared by the solver and the runner
export { cmpLogNormalizer, DelayDistribution, delayModel, DELAY_MODEL_KINDS } from './delay/models.ts';
export type { DelayModelSpec } from './delay/models.ts';
export { ConstantLag, effectiveLag, FractionalLag, PrescribedLag, RandomLag, TimeVaryingLag, BEFORE_HISTORY_POLICIES } from './delay/lags.ts';
export type { BeforeHistory, LagSource } from './delay/lags.ts';
export { bhattacharyyaDistance, empiricalPmf, fitStalenessModels, minimize1d, minimizeScan } from './delay/fit.ts';
export type { ModelFit } from './delay/fit.ts';

// ASGD
export { asgdConfig, runAsgd } from './asgd/runner.ts';
export type { AsgdConfig, AsgdResult, AsgdRunOptions, AsgdSpec, StepObserver } from './asgd/runner.ts';
export { GradientCovariance, meanGradient, minibatchVarianceFactor } from './asgd/objective.ts';
export type { FiniteSumObjective } from './asgd/objective.ts';
export { toyObjective } from './asgd/objectives/toy.ts';
export { generatedLeastSquares, leastSquaresObjective } from './asgd/objectives/least-squares.ts';
export { generatedLogistic, logisticObjective } from './asgd/objectives/logistic.ts';
export { expressionObjective } from './asgd/objectives/expression.ts';
export type { ExpressionObjectiveSpec } from './asgd/objectives/expression.ts';
export { MinibatchSampler } from './asgd/minibatch.ts';
export type { Sampling } from './asgd/minibatch.ts';
export { schedule } from './asgd/schedule.ts';
export type { Schedule, ScheduleSpec } from './asgd/schedule.ts';

// Staleness lab: parameter server, server optimizers, staleness-adaptive steps, classifiers
export { runParameterServer, validateComputeTime } from './asgd/parameter-server.ts';
export type { ComputeTimeSpec, ServerResult, ServerSpec } from './asgd/parameter-server.ts';
export { initialOptimizerState, optimizer, optimizerStateLength } from './asgd/optimizers.ts';
export { DelayCompensation, delayCompensationSpec } from './asgd/delay-compensation.ts';
export type { DelayCompensationSpec } from './asgd/delay-compensation.ts';
export type { Optimizer, OptimizerSpec } from './asgd/optimizers.ts';
export { adaptiveStep } from './asgd/adaptive-step.ts';
export type { AdaptiveStep, AdaptiveStepSpec } from './asgd/adaptive-step.ts';
export { generatedSoftmax, softmaxObjective } from './asgd/objectives/softmax.ts';
export { classificationAccuracy, isClassificationObjective } from './asgd/objectives/classifier.ts';
export type { ClassificationObjective } from './asgd/objectives/classifier.ts';
export { generatedMlp, mlpInitialPoint, mlpObjective, mlpParameters } from './asgd/objectives/mlp.ts';
export type { MlpObjective } from './asgd/objectives/mlp.ts';
export { cnnInitialPoint, cnnObjective, generatedCnn } from './asgd/objectives/cnn.ts';
export type { CnnArchitecture, CnnData, CnnObjective, GeneratedCnn } from './asgd/objectives/cnn.ts';
export { batchMeans, firstPushComplete, replicateSeed, sameWorkerRate, simulateStaleness, WARMUP_MULTIPLE } from './experiments/staleness.ts';
export type { StalenessSimulation, StalenessSimulationSpec } from './experiments/staleness.ts';
export { stalenessFigure, stalenessHistogramText, stalenessTableText } from './experiments/staleness-report.ts';
export { runMomentumExperiment } from './theory/implicit-momentum.ts';
export type { MomentumExperiment, MomentumExperimentSpec, MomentumFits } from './theory/implicit-momentum.ts';
export { AJI_TABLE2, FIG3_MODEL } from './theory/checks/constants.ts';
export { hittingIteration } from './stats/hitting.ts';
// Ensembles: in Node on worker threads, in the browser on Web Workers (ensemble.browser.ts); same bits
export { runEnsemble, asgdModel, pairModel, sddeModel } from './stats/ensemble.ts';
export type { EnsembleLayout, EnsembleModel, EnsembleModule, EnsembleOptions, EnsembleResult, EnsembleSource, EnsembleStatistics, PathOutput, SeriesStats } from './stats/ensemble.ts';
export { gammaP, gammaQ, logGamma, logGammaQ } from './core/special.ts';

// Bridge
export { sddeFromAsgd } from './bridge/to-sdde.ts';
export type { BridgedSdde, BridgeOptions, SigmaSpec } from './bridge/to-sdde.ts';
export { runPair, validatePair, COUPLINGS } from './bridge/pair.ts';
export type { Coupling, PairOptions, PairResult } from './bridge/pair.ts';
export { MinibatchNoiseLaw, lawSize } from './bridge/minibatch-law.ts';
export { AxisNoiseLaw, axisNoiseLaw, DEFAULT_LAW_SAMPLES } from './bridge/axis-law.ts';
export { covarianceFactor, choleskySemidefiniteInPlace } from './bridge/covariance-factor.ts';

// Randomness
export { freshSeed } from './core/seed.ts';
export { deriveEngine, uniformIndex, uniformOpen01, StreamPurpose } from './random/streams.ts';
export type { Engine } from './random/streams.ts';
export { NormalSampler } from './random/normal.ts';
export { normalQuantile } from './core/math/normal-quantile.ts';

// The WebAssembly SIMD kernels and their TypeScript fallback (same bits): which one runs, and
// waiting for the module where it compiles asynchronously (a browser's main thread)
export { kernelBackend, kernelsReady, setKernelBackend, wasmSimdSupported } from './kernels/index.ts';
export type { KernelBackend, KernelPreference } from './kernels/index.ts';
export { exp as fdlibmExp, log as fdlibmLog } from './core/math/libm.ts';

// Experiments (in memory; the CLI writes their files)
export { runFig1, FIG1_SETTINGS } from './experiments/fig1.ts';
export { prepareExperiment } from './experiments/config.ts';
export { runExperiment } from './experiments/run.ts';

// Statistics and theory (for notebooks and studies)
export { MomentAccumulator, Z95 } from './stats/welford.ts';
export { decayRate, logLogFit, weightedLineFit } from './core/stats/fit.ts';
export { wasserstein1 } from './stats/wasserstein.ts';
export { medianBandwidth, mmdSquared, weakError } from './stats/weak.ts';
export type { MmdOptions, MmdResult, WeakError } from './stats/weak.ts';
export { jackknifeSe, leaveOneBlockOutMeans } from './stats/jackknife.ts';
export { characteristicRoot, lambertW, spectralAbscissa } from './theory/lambert-w.ts';
export { ouMoments } from './theory/ou.ts';
export { fundamentalConstant } from './theory/fundamental.ts';
export { exponentVerdict, upperBoundVerdict } from './theory/verdict.ts';
export { LINEAR_REGRESSION, pairConfig } from './theory/problems.ts';
export { nb } from './notebook/output.ts';

// Errors
export { ConfigError } from './core/errors.ts';
export { VERSION } from './version.ts';

// Types named in the signatures above (exported so the API reference can link them)
export type { CompiledDelay, CompiledDiffusion, CompiledHistory, CompiledLinearDrift, CompiledSingleDelay, LinearDriftSpec } from './sdde/problem.ts';
export type { ObjectiveSpec } from './asgd/objectives/spec.ts';
export type { ClassificationData } from './asgd/objectives/classifier.ts';
export type { GeneratedLeastSquares, LeastSquaresData } from './asgd/objectives/least-squares.ts';
export type { GeneratedLogistic, LogisticData } from './asgd/objectives/logistic.ts';
export type { GeneratedMlp, MlpData } from './asgd/objectives/mlp.ts';
export type { GeneratedSoftmax, SoftmaxData } from './asgd/objectives/softmax.ts';
export type { Estimate } from './theory/implicit-momentum.ts';
export type { Measurement, Verdict, VerdictKind } from './theory/verdict.ts';
export type { LineFit } from './core/stats/fit.ts';
export type { OuMoments } from './theory/ou.ts';
export type { C as ComplexNumber } from './theory/lambert-w.ts';
export type { PreparedExperiment } from './experiments/config.ts';
export type { ExperimentOutput } from './experiments/run.ts';
export type { Fig1Options, Fig1Result } from './experiments/fig1.ts';
export type { MomentState } from './stats/welford.ts';
export type { PairConfigOptions } from './theory/problems.ts';
