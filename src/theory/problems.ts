/**
 * The test problems of the theory checks, as JSON configs (so ensembles can run them on worker
 * threads), and the quantities the theorems need (Ã, x*, L, μ, σ), computed from the built
 * objects.
 */
import type { FiniteSumObjective } from '../asgd/objective.ts';
import { asgdConfig, type AsgdConfig } from '../asgd/runner.ts';
import { sddeFromAsgd, type SigmaSpec } from '../bridge/to-sdde.ts';
import { objectiveFromSpec, type ObjectiveSpec } from '../asgd/objectives/spec.ts';

/** Linear regression of He et al. Section 4: generated least squares, n = 200, d = 2. */
export const LINEAR_REGRESSION: ObjectiveSpec = { kind: 'least-squares', n: 200, d: 2, noise: 0.5, seed: 3 };

/**
 * The settings of an ASGD/SDDE pair config ({@link pairConfig}): the ASGD fields, the bridge fields and
 * the seed.
 */
export interface PairConfigOptions {
  objective: ObjectiveSpec;
  x0: number | number[] | 'minimizer';
  eta: number;
  iterations: number;
  batchSize: number;
  delay: Record<string, unknown>;
  beforeHistory?: 'clip' | 'warmup' | 'history';
  schedule?: Record<string, unknown>;
  sampling?: 'with-replacement' | 'without-replacement';
  saveEvery?: number;
  coupling?: 'independent' | 'shared-brownian' | 'quantile' | 'axis-quantile';
  sigma?: SigmaSpec;
  substeps?: number;
  delta?: number;
  lawSamples?: number;
  seed: number;
}

/**
 * A JSON pair config (kind 'pair', as for `asgd-sdde run`) from flat options, so ensembles of the
 * theory checks can run it on worker threads.
 */
export function pairConfig(o: PairConfigOptions) {
  return {
    kind: 'pair',
    seed: o.seed,
    asgd: {
      objective: o.objective,
      x0: o.x0,
      eta: o.eta,
      iterations: o.iterations,
      batchSize: o.batchSize,
      delay: o.delay,
      beforeHistory: o.beforeHistory ?? 'history',
      ...(o.schedule ? { schedule: o.schedule } : {}),
      ...(o.sampling ? { sampling: o.sampling } : {}),
      saveEvery: o.saveEvery ?? 1,
    },
    bridge: {
      coupling: o.coupling ?? 'independent',
      sigma: o.sigma ?? 'at-minimizer',
      substeps: o.substeps ?? 1,
      ...(o.delta !== undefined ? { delta: o.delta } : {}),
      ...(o.lawSamples !== undefined ? { lawSamples: o.lawSamples } : {}),
    },
  };
}

/** Ã = ∇²F of a quadratic objective, from gradient differences: Ã e_j = ∇F(e_j) − ∇F(0). */
export function quadraticHessian(obj: FiniteSumObjective): number[][] {
  const d = obj.dim;
  const g0 = new Float64Array(d);
  const g = new Float64Array(d);
  obj.gradient(new Float64Array(d), g0);
  const H = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let j = 0; j < d; j++) {
    const e = new Float64Array(d);
    e[j] = 1;
    obj.gradient(e, g);
    for (let i = 0; i < d; i++) H[i][j] = g[i] - g0[i];
  }
  return H;
}

export function buildObjective(spec: ObjectiveSpec): FiniteSumObjective {
  return objectiveFromSpec(spec, 'objective');
}

/** σ (σσᵀ = Σ(x*)/b) of the bridged SDDE of a configuration, as rows. */
export function bridgeSigma(cfg: AsgdConfig, sigma: SigmaSpec = 'at-minimizer'): number[][] {
  const s = sddeFromAsgd(cfg, { sigma }).sigma!;
  const d = cfg.objective.dim;
  return Array.from({ length: d }, (_, i) => Array.from(s.subarray(i * d, (i + 1) * d)));
}

export { asgdConfig };
