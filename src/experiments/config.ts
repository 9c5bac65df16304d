/**
 * Experiment configurations (JSON) for the CLI: one ASGD run, one SDDE solve, or an ASGD/SDDE
 * pair through the bridge. `prepareExperiment` validates everything and builds every object
 * before any work or output, so a bad config is refused with the field and the reason and
 * leaves no file behind.
 */
import { asgdConfig, type AsgdConfig } from '../asgd/runner.ts';
import { type Coupling, COUPLINGS, type PairOptions, validatePair } from '../bridge/pair.ts';
import { ConfigError, describe, withFieldPrefix } from '../core/errors.ts';
import { checkJsonTree } from '../core/safe-keys.ts';
import { finiteVector, integer, knownFields, oneOf, plainObject, positiveNumber, seedValue } from '../core/validate.ts';
import { BEFORE_HISTORY_POLICIES } from '../delay/lags.ts';
import { checkDelayOnGrid, gridSteps } from '../sdde/solve.ts';
import type { SddeProblem } from '../sdde/problem.ts';
import { evalHistory } from '../sdde/problem-compile.ts';
import type { SddeAlgorithm } from '../sdde/algorithm.ts';
import { EulerMaruyama } from '../sdde/algorithms/euler-maruyama.ts';
import { Milstein } from '../sdde/algorithms/milstein.ts';
import type { HistoryInterpolation } from '../sdde/delayed-read.ts';
import type { EventSpec } from '../sdde/events.ts';
import { objectiveFromSpec } from '../asgd/objectives/spec.ts';
import { sddeFromSpec } from './sdde-spec.ts';

/**
 * A validated experiment config ({@link prepareExperiment}): an ASGD run, an SDDE solve, or a pair.
 */
export type PreparedExperiment =
  | { kind: 'asgd'; seed: number; asgd: AsgdConfig; saveEvery: number; raw: unknown }
  | { kind: 'sdde'; seed: number; problem: SddeProblem; dt: number; saveEvery: number; algorithm: SddeAlgorithm; interpolation: HistoryInterpolation; events?: EventSpec[]; raw: unknown }
  | { kind: 'pair'; seed: number; asgd: AsgdConfig; bridge: PairOptions; raw: unknown };

const ASGD_FIELDS = ['objective', 'x0', 'eta', 'iterations', 'batchSize', 'sampling', 'delay', 'beforeHistory', 'history', 'schedule', 'saveEvery', 'read', 'sparse', 'compensation'];

/** "euler-maruyama" (default), "milstein" or {"kind": "milstein", "substeps": p}. */
function algorithmFromSpec(value: unknown, field: string): SddeAlgorithm {
  if (value === undefined || value === 'euler-maruyama') return new EulerMaruyama();
  if (value === 'milstein') return new Milstein();
  const a = plainObject(value, field);
  knownFields(a, field, ['kind', 'substeps']);
  oneOf(a.kind, `${field}.kind`, ['euler-maruyama', 'milstein'] as const);
  if (a.kind === 'euler-maruyama') {
    if (a.substeps !== undefined) throw new ConfigError(`${field}.substeps`, 'only applies to milstein');
    return new EulerMaruyama();
  }
  return new Milstein(a.substeps === undefined ? {} : { substeps: integer(a.substeps, `${field}.substeps`, { min: 1, max: 1_000_000 }) });
}

function prepareAsgd(input: unknown, field: string): { cfg: AsgdConfig; saveEvery: number } {
  const a = plainObject(input, field);
  knownFields(a, field, ASGD_FIELDS);
  const { saveEvery: se, objective: objSpec, ...rest } = a;
  const probe = typeof a.x0 === 'number' ? [a.x0] : Array.isArray(a.x0) ? (a.x0 as number[]) : undefined;
  const objective = objectiveFromSpec(objSpec, `${field}.objective`, probe && probe.every((v) => typeof v === 'number') ? probe : undefined);
  // "x0": "minimizer" starts at x* (a stationary study: the noise law is the one at x*)
  if (rest.x0 === 'minimizer') {
    if (!objective.minimizer) throw new ConfigError(`${field}.x0`, 'is "minimizer", but this objective has no known minimizer; give a number or a vector');
    rest.x0 = Array.from(objective.minimizer);
  }
  const cfg = asgdConfig({ ...(rest as object), objective } as never, field);
  const saveEvery = se === undefined ? 1 : integer(se, `${field}.saveEvery`, { min: 1, max: 2 ** 31 - 1 });
  return { cfg, saveEvery };
}

/**
 * Validate an experiment config (the JSON of `asgd-sdde run`: kind 'asgd', 'sdde' or 'pair') and build
 * what it runs, before any output. `seedOverride` replaces the config's seed (default: the config's, else 0).
 *
 * @throws {@link ConfigError} naming the field (`kind`, `seed`, `asgd.*`, `sdde.*`, `bridge.*`), including
 * the checks that need the grid (a delay off the grid, an algorithm that refuses the problem).
 * @example
 * ```ts
 * import { prepareExperiment, runExperiment } from 'asgd-sdde';
 *
 * const p = prepareExperiment({ kind: 'asgd', seed: 1, asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.05,
 *   iterations: 100, batchSize: 1, saveEvery: 50 } });
 * const out = runExperiment(p);
 * console.log(out.table.columns, out.summary.status);
 * //> [ 'k', 'x', 'F' ] ok
 * ```
 */
export function prepareExperiment(input: unknown, seedOverride?: number): PreparedExperiment {
  checkJsonTree(input, ''); // no __proto__ / constructor / prototype key, no nesting deeper than 64
  const c = plainObject(input, 'config');
  const kind = oneOf(c.kind, 'kind', ['asgd', 'sdde', 'pair'] as const);
  const configSeed = c.seed === undefined ? 0 : seedValue(c.seed, 'seed'); // validated even when overridden
  const seed = seedOverride !== undefined ? seedOverride : configSeed;
  switch (kind) {
    case 'asgd': {
      knownFields(c, '', ['kind', 'seed', 'asgd', 'description']);
      const { cfg, saveEvery } = prepareAsgd(c.asgd, 'asgd');
      return { kind, seed, asgd: cfg, saveEvery, raw: input };
    }
    case 'sdde': {
      knownFields(c, '', ['kind', 'seed', 'sdde', 'description']);
      const s = plainObject(c.sdde, 'sdde');
      const { problem, events } = sddeFromSpec(s, 'sdde');
      const dt = positiveNumber(s.dt, 'sdde.dt');
      withFieldPrefix('options.dt', 'sdde.dt', () => gridSteps(problem.t0, problem.T, dt));
      const interpolation = s.interpolation === undefined ? 'grid' : oneOf(s.interpolation, 'sdde.interpolation', ['grid', 'linear', 'hermite'] as const);
      // Delay checks that need the grid (τ a whole number of steps, θ(t) within [0, τ]) happen
      // now, before any output: a zero-length dry run of the lag source.
      withFieldPrefix('problem', 'sdde', () => checkDelayOnGrid(problem, dt, interpolation));
      const algorithm = algorithmFromSpec(s.algorithm, 'sdde.algorithm');
      // the stepper's own refusals (Milstein's noise structure) before any output
      withFieldPrefix('problem', 'sdde', () =>
        withFieldPrefix('options.interpolation', 'sdde.interpolation', () => {
          const stepper = algorithm.stepper(problem);
          const x0 = new Float64Array(problem.dim);
          evalHistory(problem.history, problem.t0, x0);
          const y0 = Float64Array.from({ length: problem.lagDim }, (_, i) => x0[i % problem.dim]);
          stepper.bind?.({ maxLag: 0, substeps: algorithm.substeps ?? 1, offGrid: interpolation !== 'grid', x0, y0 });
        }),
      );
      const saveEvery = s.saveEvery === undefined ? 1 : integer(s.saveEvery, 'sdde.saveEvery', { min: 1, max: 2 ** 31 - 1 });
      return { kind, seed, problem, dt, saveEvery, algorithm, interpolation, ...(events ? { events } : {}), raw: input };
    }
    case 'pair': {
      knownFields(c, '', ['kind', 'seed', 'asgd', 'bridge', 'description']);
      const { cfg, saveEvery } = prepareAsgd(c.asgd, 'asgd');
      const b = plainObject(c.bridge ?? { coupling: 'independent' }, 'bridge');
      knownFields(b, 'bridge', ['coupling', 'sigma', 'substeps', 'delta', 'sddeBeforeHistory', 'lawSamples']);
      const coupling: Coupling = oneOf(b.coupling, 'bridge.coupling', COUPLINGS);
      const bridge: PairOptions = { coupling, seed, saveEvery };
      if (b.substeps !== undefined) bridge.substeps = integer(b.substeps, 'bridge.substeps', { min: 1, max: 1_000_000 });
      if (b.delta !== undefined) bridge.delta = positiveNumber(b.delta, 'bridge.delta');
      if (b.lawSamples !== undefined) bridge.lawSamples = integer(b.lawSamples, 'bridge.lawSamples', { min: 100 });
      if (b.sddeBeforeHistory !== undefined) bridge.sddeBeforeHistory = oneOf(b.sddeBeforeHistory, 'bridge.sddeBeforeHistory', BEFORE_HISTORY_POLICIES);
      if (b.sigma !== undefined) {
        if (b.sigma === 'at-minimizer' || b.sigma === 'state-dependent') bridge.sigma = b.sigma;
        else if (typeof b.sigma === 'object' && b.sigma !== null && !Array.isArray(b.sigma)) {
          const so = b.sigma as Record<string, unknown>;
          knownFields(so, 'bridge.sigma', ['at', 'covariance']);
          if ((so.at === undefined) === (so.covariance === undefined)) throw new ConfigError('bridge.sigma', 'needs exactly one of "at" (a point) or "covariance" (a d×d matrix)');
          bridge.sigma = so.at !== undefined ? { at: Array.from(finiteVector(so.at, 'bridge.sigma.at', cfg.objective.dim)) } : { covariance: so.covariance as number[][] };
        } else throw new ConfigError('bridge.sigma', `must be "at-minimizer", "state-dependent", {"at": [...]} or {"covariance": [[...]]}, got ${describe(b.sigma)}`);
      }
      validatePair(cfg, bridge);
      return { kind, seed, asgd: cfg, bridge, raw: input };
    }
  }
}
