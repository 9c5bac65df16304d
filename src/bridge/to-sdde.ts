/**
 * ASGD → SDDE (He et al. 2018, Eq. 4 → 5 → 6).
 *
 * Eq. (4)  x_{k+1} = x_k − η u_k g_{M_k}(b, x_{k−l_k})
 * Eq. (5)  x_{k+1} = x_k − η u_k ∇F(x_{k−l_k}) + η u_k σ(x_{k−l_k}) z_k,  σσᵀ = Σ/b (CLT, Prop. 3.1)
 * Eq. (6)  dX = −(η/δ) U(t) ∇F(X(t−θ)) dt + (η/δ) √δ U(t) σ(X(t−θ)) dB,   θ(t) = l_k δ
 *
 * Eq. (5) is exactly Euler–Maruyama for Eq. (6) at step δ. Time step δ: η for constant and
 * 1/√k rates (cases a, c); any precision for 1/k (case b), default η as well. U(t) = u(t/δ).
 *
 * σ is either constant — factored once from Σ at x* or at a point the user names (the paper's
 * assumption in Section 4.1) — or state-dependent: Σ(X(t−θ)) of the data, recomputed and
 * factored every step without allocation. Without replacement the minibatch covariance carries
 * the finite-population factor (n−b)/(n−1), which the paper's i.i.d. Σ/b omits.
 *
 * The runner's variants carry over (issue 12):
 *  - inconsistent read: X(t−θ) becomes the per-coordinate delayed state (X_j(t − θ_j))_j, each
 *    coordinate with the lags of its own model (the Hogwild model);
 *  - sparse updates (s of d coordinates, a uniform subset, scaled by c = d/s or 1): the update
 *    c·D_S g has mean κ∇F, κ = c·s/d, and covariance
 *      c²[(s/d) diag(M) + (s(s−1)/(d(d−1))) offdiag(M)] − κ²∇F∇Fᵀ,   M = Σ_b + ∇F∇Fᵀ
 *    (P[i ∈ S] = s/d, P[i, j ∈ S] = s(s−1)/(d(d−1))), with ∇F at the point where Σ is taken
 *    (0 at x*; a given covariance is taken as at a stationary point);
 *  - DC-ASGD with constant λ: E[g̃] = ∇F(y) + λ E[g ⊙ g] ⊙ (x − y), E[g ⊙ g] = ∇F(y)² + diag Σ_b,
 *    so the drift gains the term −(η/δ)Uκλ(∇F(y)² + diag Σ_b) ⊙ (X(t) − X(t−θ)); the noise of the
 *    compensation term itself (of order λ‖g‖²‖x − y‖, O(η l) smaller) is left out. The adaptive λ
 *    of DC-ASGD-a depends on the path's gradient history and has no such SDDE: it is refused.
 */
import { type AsgdConfig, validatedConfig } from '../asgd/runner.ts';
import { GradientCovariance, minibatchVarianceFactor } from '../asgd/objective.ts';
import { ConfigError, describe } from '../core/errors.ts';
import { finiteMatrix, finiteVector, oneOf, plainObject, positiveNumber } from '../core/validate.ts';
import { BEFORE_HISTORY_POLICIES, type BeforeHistory } from '../delay/lags.ts';
import { defineSdde, type CoefficientFn, type SddeProblem } from '../sdde/problem.ts';
import { choleskySemidefiniteInPlace, covarianceFactor } from './covariance-factor.ts';

/**
 * How σ is chosen: Σ/b at x* (default), at a named point, at X(t−θ) every step, or from a
 * component-gradient covariance Σ the user gives (then divided by b like the data's).
 */
export type SigmaSpec = 'at-minimizer' | 'state-dependent' | { at: number[] } | { covariance: number[][] };

/**
 * Options of {@link sddeFromAsgd}: how σ is chosen (default `'at-minimizer'`: Σ/b at x*), the time step
 * δ (default η) and the SDDE's policy for reads before t = 0 (default the ASGD's).
 */
export interface BridgeOptions {
  /** How σ (σσᵀ = Σ/b) is chosen; default 'at-minimizer'. */
  sigma?: SigmaSpec;
  /** Time step δ; default η. */
  delta?: number;
  /**
   * The SDDE's policy for reads before t = 0; default the ASGD's. He et al.'s Fig. 1 runs the
   * ASGD as SGD for its first l steps ('warmup') while the SDDE reads ξ ≡ 4 ('history').
   */
  sddeBeforeHistory?: BeforeHistory;
}

/**
 * The SDDE of an ASGD configuration ({@link sddeFromAsgd}): the problem for {@link solve}, its time step
 * δ (one ASGD iteration is δ time units; T = Kδ) and σ.
 */
export interface BridgedSdde {
  problem: SddeProblem;
  delta: number;
  /** Constant σ (row-major d×d), or null when state-dependent. */
  sigma: Float64Array | null;
  sigmaMode: 'constant' | 'state-dependent';
  /** Where the constant σ was evaluated. */
  sigmaPoint?: Float64Array;
}

/**
 * The SDDE that approximates an ASGD configuration (He et al. 2018, Eq. 4 → 5 → 6):
 * dX = −(η/δ) U(t) ∇F(X(t−θ)) dt + (η/δ) √δ U(t) σ(X(t−θ)) dB with θ(t) = l_k δ and σσᵀ = Σ/b, on
 * [0, Kδ], history ξ ≡ x0. The runner's variants (inconsistent read, sparse updates, DC-ASGD with
 * constant λ) carry over.
 *
 * @param cfg - a configuration from {@link asgdConfig}.
 * @param options - σ, δ and the pre-start policy (see {@link BridgeOptions}).
 * @param field - the prefix of field names in errors; default `'bridge'`.
 * @throws {@link ConfigError} `bridge.delta` (not > 0, or T = Kδ, η/δ not finite), `bridge.sigma`
 * (unknown form, a point or covariance of the wrong size, a covariance not positive semidefinite),
 * `asgd.compensation.meanSquare` (DC-ASGD-a has no SDDE), `cfg` not from {@link asgdConfig}.
 * @example
 * ```ts
 * import { asgdConfig, sddeFromAsgd, solve, EulerMaruyama, generatedLeastSquares } from 'asgd-sdde';
 *
 * const cfg = asgdConfig({ objective: generatedLeastSquares({ n: 200, d: 2, seed: 1 }), x0: 1, eta: 0.01,
 *   iterations: 1000, batchSize: 4, delay: { kind: 'uniform', maxLag: 4 } });
 * const { problem, delta } = sddeFromAsgd(cfg);
 * const sol = solve(problem, new EulerMaruyama(), { dt: delta, seed: 1, saveAt: { final: true } });
 * console.log(delta, problem.T, sol.status); // δ = η, T = Kη
 * //> 0.01 10 ok
 * ```
 */
export function sddeFromAsgd(cfg: AsgdConfig, options: BridgeOptions = {}, field = 'bridge'): BridgedSdde {
  validatedConfig(cfg, 'cfg');
  plainObject(options, field);
  const obj = cfg.objective;
  const d = obj.dim;
  const delta = options.delta === undefined ? cfg.eta : positiveNumber(options.delta, `${field}.delta`);
  for (const [what, v] of [['T = Kδ', cfg.iterations * delta], ['η/δ', cfg.eta / delta], ['(η/δ)√δ', (cfg.eta / delta) * Math.sqrt(delta)]] as const) {
    // δ defaults to η: then the field to fix is η
    if (!(Number.isFinite(v) && v > 0)) throw new ConfigError(options.delta === undefined ? 'asgd.eta' : `${field}.delta`, `gives ${what} = ${v}, not a positive finite number (δ = ${delta}, η = ${cfg.eta}, K = ${cfg.iterations})`);
  }
  const sigmaSpec = options.sigma ?? 'at-minimizer';
  const varFactor = minibatchVarianceFactor(obj.n, cfg.batchSize, cfg.sampling === 'with-replacement');
  const scale = (cfg.eta / delta) * Math.sqrt(delta); // (η/δ)√δ of Eq. (6)
  const driftScale = cfg.eta / delta; // (η/δ) of Eq. (6)
  const U = cfg.schedule;
  const constantU = U.spec.kind === 'constant';
  const grad = new Float64Array(d);
  if (cfg.compensation?.meanSquare !== undefined) throw new ConfigError('asgd.compensation.meanSquare', "DC-ASGD-a's adaptive λ depends on the path's gradient history and has no SDDE here; the bridge carries DC-ASGD with a constant λ (leave out meanSquare)");
  // sparse updates: mean κ∇F, covariance weights on the diagonal and off it (see the header)
  const sp = cfg.sparse && cfg.sparse.coordinates < d ? cfg.sparse : null;
  const cS = sp ? (sp.rescale ? d / sp.coordinates : 1) : 1;
  const kappa = sp ? (cS * sp.coordinates) / d : 1;
  const wDiag = sp ? cS * cS * (sp.coordinates / d) : 1;
  const wOff = sp ? cS * cS * ((sp.coordinates * (sp.coordinates - 1)) / (d * (d - 1))) : 1;
  /** In place: Σ_b → the covariance of the sparse update at a point with gradient gF. */
  const sparseCovariance = (S: Float64Array, gF: Float64Array | null) => {
    if (!sp) return;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const gg = gF ? gF[i] * gF[j] : 0;
        S[i * d + j] = (i === j ? wDiag : wOff) * (S[i * d + j] + gg) - kappa * kappa * gg;
      }
    }
  };
  const lambda = cfg.compensation ? cfg.compensation.lambda : 0;
  // diag Σ_b where it is constant (σ at a point); per step in the state-dependent case
  const diagCov = new Float64Array(d);

  const drift: CoefficientFn = (t, x, xLag, out) => {
    obj.gradient(xLag, grad);
    const c = kappa * driftScale * (constantU ? 1 : U.continuous(t, delta));
    if (lambda === 0) for (let i = 0; i < d; i++) out[i] = -c * grad[i];
    else {
      if (stateCov) {
        const S = stateCov.compute(xLag);
        for (let i = 0; i < d; i++) diagCov[i] = varFactor * S[i * d + i];
      }
      for (let i = 0; i < d; i++) out[i] = -c * (grad[i] + lambda * (grad[i] * grad[i] + diagCov[i]) * (x[i] - xLag[i]));
    }
  };

  let sigma: Float64Array | null = null;
  let sigmaPoint: Float64Array | undefined;
  let g: CoefficientFn | number[][];
  const stateCov = sigmaSpec === 'state-dependent' && lambda !== 0 ? new GradientCovariance(obj) : null;
  if (sigmaSpec === 'state-dependent') {
    const cov = new GradientCovariance(obj);
    const L = new Float64Array(d * d);
    const gradG = new Float64Array(d);
    g = (t, _x, xLag, out) => {
      const S = cov.compute(xLag);
      for (let i = 0; i < d * d; i++) S[i] *= varFactor;
      if (sp) {
        obj.gradient(xLag, gradG);
        sparseCovariance(S, gradG);
      }
      choleskySemidefiniteInPlace(S, d, L);
      const c = scale * (constantU ? 1 : U.continuous(t, delta));
      for (let i = 0; i < d * d; i++) out[i] = c * L[i];
    };
  } else {
    if (sigmaSpec === 'at-minimizer') {
      if (!obj.minimizer) throw new ConfigError(`${field}.sigma`, `the objective has no known minimizer; give sigma as {"at": [...]} or "state-dependent"`);
      sigmaPoint = obj.minimizer;
    } else if (typeof sigmaSpec === 'object' && sigmaSpec !== null && 'at' in sigmaSpec) {
      sigmaPoint = finiteVector(sigmaSpec.at, `${field}.sigma.at`, d);
    } else if (!(typeof sigmaSpec === 'object' && sigmaSpec !== null && 'covariance' in sigmaSpec)) {
      throw new ConfigError(`${field}.sigma`, `must be "at-minimizer", "state-dependent", {"at": [...]} or {"covariance": [[...]]}, got ${describe(sigmaSpec)}`);
    }
    const S = sigmaPoint
      ? Float64Array.from(new GradientCovariance(obj).compute(sigmaPoint))
      : finiteMatrix((sigmaSpec as { covariance: unknown }).covariance, `${field}.sigma.covariance`, d, d);
    for (let i = 0; i < d * d; i++) S[i] *= varFactor;
    for (let i = 0; i < d; i++) diagCov[i] = S[i * d + i];
    if (sp) {
      let gF: Float64Array | null = null;
      if (sigmaPoint) {
        gF = new Float64Array(d);
        obj.gradient(sigmaPoint, gF);
      }
      sparseCovariance(S, gF);
    }
    sigma = covarianceFactor(S, d, sigmaPoint ? `${field}.sigma` : `${field}.sigma.covariance`);
    const s = sigma;
    if (constantU) {
      g = Array.from({ length: d }, (_, i) => Array.from(s.subarray(i * d, (i + 1) * d), (v) => v * scale));
    } else {
      g = (t, _x, _xLag, out) => {
        const c = scale * U.continuous(t, delta);
        for (let i = 0; i < d * d; i++) out[i] = c * s[i];
      };
    }
  }

  const x0 = cfg.x0;
  const hist = cfg.history;
  let sameHistory = true;
  for (let i = 0; i < d; i++) if (hist[i] !== x0[i]) sameHistory = false;
  const problem = defineSdde({
    dim: d,
    drift,
    diffusion: { noise: 'full', noiseDim: d, g },
    // ξ(s) = the ASGD's pre-start iterate for s < 0 and x_0 at s = 0.
    history: sameHistory ? Array.from(x0) : (s: number, out: Float64Array) => out.set(s < 0 ? hist : x0),
    t0: 0,
    T: cfg.iterations * delta,
    // inconsistent read: every coordinate reads X_j(t − θ_j) with the lags of its own model
    delay: cfg.coordinateDelays ? { kind: 'per-coordinate', delays: cfg.coordinateDelays.map((model) => ({ kind: 'random' as const, model })) } : { kind: 'random', model: cfg.delay },
    beforeHistory: options.sddeBeforeHistory === undefined ? cfg.beforeHistory : oneOf(options.sddeBeforeHistory, `${field}.sddeBeforeHistory`, BEFORE_HISTORY_POLICIES),
  });
  return { problem, delta, sigma, sigmaMode: sigma ? 'constant' : 'state-dependent', ...(sigmaPoint ? { sigmaPoint } : {}) };
}
