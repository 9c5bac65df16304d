/**
 * Ensembles of the CLI's JSON configurations: the factory that builds an ensemble model from a
 * config (in the calling thread and in every worker thread), and the module reference that names
 * it. This is how the generic ensemble layer (src/stats/) runs experiment configs without knowing
 * about them.
 */
import { ConfigError } from '../core/errors.ts';
import { oneOf } from '../core/validate.ts';
import { asgdModel, type EnsembleModel, type EnsembleModule, pairModel, sddeModel } from '../stats/ensemble.ts';
import { prepareExperiment } from './config.ts';

/** asgd: the ASGD of an asgd/pair config; pair: ASGD and SDDE; bridge-sdde: only the SDDE of a pair config; sdde: an sdde config. */
export type EnsembleRun = 'asgd' | 'pair' | 'bridge-sdde' | 'sdde';
/** What an ensemble of a config runs: 'asgd', 'pair', 'bridge-sdde' or 'sdde'. */
export const ENSEMBLE_RUNS = ['asgd', 'pair', 'bridge-sdde', 'sdde'] as const;

/** The factory: a config (as for `asgd-sdde run`) and what to run → an ensemble model. */
export function configModel(args: { config: unknown; run: EnsembleRun }): EnsembleModel {
  const run = oneOf(args?.run, 'ensemble.run', ENSEMBLE_RUNS);
  const p = prepareExperiment(args.config);
  if (p.kind === 'sdde') {
    if (run !== 'sdde') throw new ConfigError('ensemble.run', `an sdde config runs as "sdde", got ${JSON.stringify(run)}`);
    if (p.events) throw new ConfigError('sdde.events', 'events apply to a single run (asgd-sdde run); an ensemble keeps whole paths');
    return sddeModel(p.problem, { dt: p.dt, saveEvery: p.saveEvery, algorithm: p.algorithm, interpolation: p.interpolation });
  }
  if (run === 'sdde') throw new ConfigError('ensemble.run', `"sdde" needs an sdde config, got a ${p.kind} config`);
  if (run === 'asgd') return asgdModel(p.asgd, { saveEvery: p.kind === 'asgd' ? p.saveEvery : p.bridge.saveEvery ?? 1 });
  if (p.kind !== 'pair') throw new ConfigError('ensemble.run', `"${run}" needs a pair config, got an ${p.kind} config`);
  return pairModel(p.asgd, p.bridge, run);
}

/** The module source of a config ensemble: what `runEnsemble` (and its workers) build the model from. */
export function configEnsemble(config: unknown, run: EnsembleRun): EnsembleModule {
  return { module: import.meta.url, export: 'configModel', args: { config, run } };
}
