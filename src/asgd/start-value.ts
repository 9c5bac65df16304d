/**
 * F(x_0), the value the runner saves at k = 0, once per configuration: every path of an ensemble
 * starts at the configuration's x_0, and F is a pass over the data (n·d), a good part of a short
 * path's run (W6 of the benchmarks: 10 steps per path). An objective's F is a function of x alone
 * (what makes the same seed give the same bits), so the value kept is the bits a new evaluation
 * gives; the objective and the point are compared too, in case either was replaced.
 */
import type { AsgdConfig } from './asgd-config.ts';
import type { FiniteSumObjective } from './objective.ts';

const kept = new WeakMap<AsgdConfig, { objective: FiniteSumObjective; x: Float64Array; F: number }>();

/** cfg.objective.value(x) for the starting point x, evaluated once per configuration and point. */
export function startValue(cfg: AsgdConfig, x: Float64Array): number {
  const k = kept.get(cfg);
  if (k && k.objective === cfg.objective && k.x.length === x.length) {
    let same = true;
    for (let i = 0; i < x.length && same; i++) same = Object.is(k.x[i], x[i]);
    if (same) return k.F;
  }
  const F = cfg.objective.value(x);
  kept.set(cfg, { objective: cfg.objective, x: Float64Array.from(x), F });
  return F;
}
