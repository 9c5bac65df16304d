/**
 * asgd-sdde — the public API (Node). Everything in `browser.ts`, which runs in any JavaScript
 * environment, plus what needs Node: figure pages and PNGs, CSV files, ensembles on worker
 * threads, and the theory checks built on them.
 */
export * from './browser.ts';

// Output files
export { writeFigureHtml, figureHtml, plotlyScriptTags, PLOTLY_MODES } from './plot/html.ts';
export type { FigureSpec, PlotlyMode } from './plot/html.ts';
export { renderPng } from './plot/png.ts';
export type { PngResult } from './plot/png.ts';
export { toCsv, writeCsv } from './io/csv.ts';

// Real data (needs the optional `mnist` package; its browser twin refuses)
export { loadMnist, validateMnistSpec, MNIST_SCALINGS } from './data/mnist.ts';
export type { LoadMnistOptions, MnistData, MnistScaling, MnistSpec } from './data/mnist.ts';
export { cacheDirectory, CACHE_DIR_ENV } from './data/prepared-cache.ts';
export type { CacheSetting } from './data/prepared-cache.ts';
export { mnistObjective, MNIST_MODELS } from './asgd/objectives/mnist.ts';
export type { MnistModel, MnistObjectiveOf, MnistObjectiveSpec } from './asgd/objectives/mnist.ts';

// Ensembles on worker threads, theory checks
export { runEnsemble, asgdModel, pairModel, sddeModel, ensembleWorkerUrl } from './stats/ensemble.ts';
export type { EnsembleLayout, EnsembleModel, EnsembleModule, EnsembleOptions, EnsembleResult, EnsembleSource, EnsembleStatistics, PathOutput, SddeModelOptions, SeriesStats } from './stats/ensemble.ts';
export { exactQuantiles, MAX_KEPT_NUMBERS } from './stats/ensemble-extras.ts';
export type { EnsembleAnalysisOptions, OutputSpec, Reduction } from './stats/ensemble-extras.ts';
export { poolWorkerUrl } from './stats/worker-pool.ts';
export { configEnsemble, configModel, ENSEMBLE_RUNS } from './experiments/ensemble-source.ts';
export type { EnsembleRun } from './experiments/ensemble-source.ts';
export { runSweep, runPreparedSweep, sweepCaption } from './sweep/run.ts';
export type { RunSweepOptions, SweepResult, SweepSpec } from './sweep/run.ts';
export { prepareSweep, METRICS } from './sweep/sweep.ts';
export type { JsonValue, Metric, PointResult, PreparedSweep, SweepBase } from './sweep/sweep.ts';
export { sweepFigure, sweepFits } from './sweep/figure.ts';
export type { SeriesFit, SweepRow } from './sweep/figure.ts';

// A real-thread parameter server: worker_threads sharing the parameters in a SharedArrayBuffer
export { runThreadedServer } from './asgd/threaded-server.ts';
export { ServerThreadPool } from './asgd/threaded-server-pool.ts';
export type { ThreadedServerResult, ThreadedServerSpec } from './asgd/threaded-server.ts';
export { fitComputeTimeLaw, measureThreadedStaleness } from './experiments/threaded-staleness.ts';
export type { ComputeTimeFit, ThreadedStaleness, ThreadedStalenessSpec } from './experiments/threaded-staleness.ts';
export { lawText, threadedStalenessFigure, threadedStalenessText } from './experiments/staleness-report.ts';

// MindTheStep Fig. 3 under the paper's protocol, as a study (simulated server and real threads)
export { FIG3_SERVERS, FIG3_STUDY_KIND, prepareFig3Study } from './experiments/mindthestep-fig3-config.ts';
export type { Fig3Model, Fig3ModelConfig, Fig3Study, Fig3StudyConfig } from './experiments/mindthestep-fig3-config.ts';
export { FIG3_ARMS, fig3Setups, fig3SimulatedRun, fig3Step, fig3StudyArms, runFig3Study, seededInitialPoint, summarizeFig3Runs } from './experiments/mindthestep-fig3.ts';
export type { Fig3Arm, Fig3RunRecord, Fig3RunTask, Fig3StudyResult, Fig3StudySetup, Fig3SummaryRow } from './experiments/mindthestep-fig3.ts';
export { censoredMean, epochsToThreshold, speedupRatio } from './experiments/mindthestep-fig3-stats.ts';
export type { CensoredMean, SpeedupRatio } from './experiments/mindthestep-fig3-stats.ts';
export { fig3Figure, fig3RunsCsv, fig3SummaryCsv, fig3SummaryText, PAPER_SPEEDUP_M32, speedupText } from './experiments/mindthestep-fig3-report.ts';

export { CHECKS, CHECK_NAMES } from './theory/index.ts';
export { checkFig3 } from './theory/checks/mindthestep-training.ts';
export type { Fig3Setup } from './theory/checks/mindthestep-training.ts';
export type { CheckOptions, CheckResult, CheckRow } from './theory/index.ts';
export { formatTable, reportHtml } from './theory/report.ts';

// The bound-check workbench: your own claim, checked with the report's verdicts
export { bonferroniQuantile, boundVerdict, CLAIM_KINDS, equalityVerdict, prepareClaim, runClaim, scalingVerdict } from './theory/workbench/index.ts';
export type { Claim, ClaimExperiment, ClaimKind, ClaimPoint, ExponentFit, MeasuredValue, Params, PointComparison, PreparedClaim, RunClaimOptions } from './theory/workbench/index.ts';

// Types named in the signatures above (exported so the API reference can link them)
export type { CheckEntry } from './theory/index.ts';
export type { BlockResult, SeriesState } from './stats/ensemble-block.ts';
export type { Table } from './io/csv.ts';
export type { Fig3Recipe, Fig3Run } from './theory/checks/mindthestep-training.ts';
