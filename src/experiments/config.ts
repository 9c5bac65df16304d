/**
 * Experiment configurations (JSON) for the CLI: one ASGD run, one SDDE solve, or an ASGD/SDDE
 * pair through the bridge. `prepareExperiment` validates everything and builds every object
 * before any work or output, so a bad config is refused with the field and the reason and
 * leaves no file behind.
 */
import { asgdConfig, type AsgdConfig } from '../asgd/runner.ts';
import { type Coupling, COUPLINGS, type PairOptions, validatePair } from '../bridge/pair.ts';
import { ConfigError, describe, withFieldPrefix } from '../core/errors.ts';
import { finiteVector, integer, knownFields, oneOf, plainObject, positiveNumber, seedValue } from '../core/validate.ts';
import { BEFORE_HISTORY_POLICIES } from '../delay/lags.ts';
import { checkDelayOnGrid, gridSteps } from '../sdde/solve.ts';
import type { SddeProblem } from '../sdde/problem.ts';
import { objectiveFromSpec } from './objective-spec.ts';
import { sddeFromSpec } from './sdde-spec.ts';

export type PreparedExperiment =
  | { kind: 'asgd'; seed: number; asgd: AsgdConfig; saveEvery: number; raw: unknown }
  | { kind: 'sdde'; seed: number; problem: SddeProblem; dt: number; saveEvery: number; raw: unknown }
  | { kind: 'pair'; seed: number; asgd: AsgdConfig; bridge: PairOptions; raw: unknown };

const ASGD_FIELDS = ['objective', 'x0', 'eta', 'iterations', 'batchSize', 'sampling', 'delay', 'beforeHistory', 'history', 'schedule', 'saveEvery'];

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

export function prepareExperiment(input: unknown, seedOverride?: number): PreparedExperiment {
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
      const { problem } = sddeFromSpec(s, 'sdde');
      const dt = positiveNumber(s.dt, 'sdde.dt');
      withFieldPrefix('options.dt', 'sdde.dt', () => gridSteps(problem.t0, problem.T, dt));
      // Delay checks that need the grid (τ a whole number of steps, θ(t) within [0, τ]) happen
      // now, before any output: a zero-length dry run of the lag source.
      withFieldPrefix('problem', 'sdde', () => checkDelayOnGrid(problem, dt));
      const saveEvery = s.saveEvery === undefined ? 1 : integer(s.saveEvery, 'sdde.saveEvery', { min: 1, max: 2 ** 31 - 1 });
      return { kind, seed, problem, dt, saveEvery, raw: input };
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
