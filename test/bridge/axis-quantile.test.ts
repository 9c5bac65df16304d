/**
 * The 'axis-quantile' coupling (any d, sampled law) against independent references:
 *  - its sampled law against the exact enumerated minibatch-noise law (MinibatchNoiseLaw, itself
 *    tested against a numpy fixture), within the DKW band;
 *  - in 1-D, where the noise law does not depend on x, against today's exact 'quantile' coupling:
 *    the mean distance E|x_K − X(t_K)| agrees within the Monte Carlo error of the two estimates;
 *  - in a separable 2-D problem (a product law whose principal axes are the coordinates), against
 *    the exact 1-D quantile coupling run on each coordinate: E‖x_K − X(t_K)‖² = Σ_j E|·_j|².
 * Tolerances are 4 combined standard errors (independent ensembles) unless stated.
 */
import { describe, expect, it } from 'vitest';
import { bonferroniZ } from '../helpers/frequencies.ts';
import type { FiniteSumObjective } from '../../src/asgd/objective.ts';
import { leastSquaresObjective } from '../../src/asgd/objectives/least-squares.ts';
import { toyObjective } from '../../src/asgd/objectives/toy.ts';
import { asgdConfig, type AsgdConfig } from '../../src/asgd/runner.ts';
import { AxisNoiseLaw } from '../../src/bridge/axis-law.ts';
import { MinibatchNoiseLaw } from '../../src/bridge/minibatch-law.ts';
import { runPair, validatePair } from '../../src/bridge/pair.ts';
import { ConfigError } from '../../src/core/errors.ts';

/** 1-D location model f_i = ½(x − c_i)²: ζ = c̄_M − c̄, a law that does not depend on x. */
const location1d = (c: number[]) => leastSquaresObjective({ A: c.map(() => [1]), B: c });

/** d-D location model f_i = ½‖x − c_i‖² (test-local, written from the definition). */
function locationModel(points: number[][]): FiniteSumObjective {
  const n = points.length;
  const d = points[0].length;
  const mean = new Float64Array(d);
  for (const p of points) for (let j = 0; j < d; j++) mean[j] += p[j] / n;
  const value = (x: Float64Array) => points.reduce((s, p) => s + p.reduce((t, v, j) => t + 0.5 * (x[j] - v) ** 2, 0), 0) / n;
  return {
    name: 'location',
    description: `location model, n = ${n}, d = ${d}`,
    dim: d,
    n,
    componentGradient(i, x, out) {
      for (let j = 0; j < d; j++) out[j] = x[j] - points[i][j];
    },
    gradient(x, out) {
      for (let j = 0; j < d; j++) out[j] = x[j] - mean[j];
    },
    value,
    minimizer: mean,
    minimum: value(mean),
    lipschitz: 1,
  };
}

function meanDistance(cfg: AsgdConfig, coupling: 'quantile' | 'axis-quantile', paths: number, seed: number, squared = false, substeps = 1) {
  let s = 0;
  let s2 = 0;
  for (let p = 0; p < paths; p++) {
    const r = runPair(cfg, { coupling, seed, path: p, saveEvery: cfg.iterations, substeps });
    const v = squared ? r.distance.at(-1)! ** 2 : r.distance.at(-1)!;
    s += v;
    s2 += v * v;
  }
  const mean = s / paths;
  return { mean, se: Math.sqrt((s2 / paths - mean * mean) / (paths - 1)) };
}

describe("'axis-quantile': the sampled law", () => {
  it('matches the exact enumerated law at every atom within the DKW band (1-D, skewed, b = 2)', () => {
    const c = [0, 0, 0, 1, 4];
    const obj = location1d(c);
    const cfg = asgdConfig({ objective: obj, x0: 0, eta: 0.01, iterations: 10, batchSize: 2 });
    const law = new AxisNoiseLaw(cfg, obj.minimizer!, 20_000, 3);
    const exact = new MinibatchNoiseLaw(5, 2, 'with-replacement');
    // component gradients at x* = c̄ = 1: g_i = 1 − c_i; a batch with gradient sum S has
    // ζ = ∇F(x*) − S/2 = −S/2, whitened w = ζ/√λ along the axis (which may point either way)
    const g = c.map((v) => 1 - v);
    const sd = Math.sqrt(law.lambda[0]);
    const sign = Math.sign(law.axes[0]);
    const band = law.dkwBand(1e-4);
    for (let i = 0; i < 5; i++) {
      for (let j = i; j < 5; j++) {
        const S = 0 + g[i] + g[j]; // canonical: ascending indices, summed from 0
        const { below, at } = exact.probabilities(g, S); // P(ζ < ζ_S), P(ζ = ζ_S)
        const w = (sign * (-S / 2)) / sd;
        const F = sign > 0 ? below + at : 1 - below; // P(w ≤ w_S)
        expect(Math.abs(law.cdf(0, w + 1e-12) - F), `S = ${S}`).toBeLessThan(band);
      }
    }
    // the variance of the noise is Var(c)/b
    const varC = c.reduce((a, v) => a + (v - 1) ** 2, 0) / 5;
    expect(law.lambda[0]).toBeCloseTo(varC / 2, 12);
  });
  it('whitens: the principal axes of a diagonal covariance are the coordinates, with eigenvalues Var(c_j)/b', () => {
    const pts: number[][] = [];
    for (const a of [-1, 0, 2]) for (const b of [0, 0, 1, 5]) pts.push([a, b]);
    const obj = locationModel(pts);
    const cfg = asgdConfig({ objective: obj, x0: 0, eta: 0.01, iterations: 10, batchSize: 3 });
    const law = new AxisNoiseLaw(cfg, obj.minimizer!, 1000, 1);
    // a ∈ {−1, 0, 2}: mean 1/3, Var(a) = 5/3 − 1/9 = 14/9; b ∈ {0, 0, 1, 5}: mean 1.5, E b² = 6.5, Var(b) = 6.5 − 2.25 = 4.25
    expect(law.lambda[0]).toBeCloseTo(4.25 / 3, 12);
    expect(law.lambda[1]).toBeCloseTo(14 / 9 / 3, 12);
    expect(Math.abs(law.axes[0 * 2 + 0])).toBeCloseTo(0, 12); // first axis = coordinate 2
    expect(Math.abs(law.axes[1 * 2 + 0])).toBeCloseTo(1, 12);
  });
});

describe("'axis-quantile': the calibration of the mapped normals", () => {
  it('β is E[z] given the law sample (a 200 000-draw estimate agrees within 4 SE), and T(z − β) has mean 0 and identity covariance', async () => {
    const { normalQuantile } = await import('../../src/core/math/normal-quantile.ts');
    const { MinibatchSampler } = await import('../../src/asgd/minibatch.ts');
    const { deriveEngine, uniformOpen01 } = await import('../../src/random/streams.ts');
    const { batchMeanGradient } = await import('../../src/bridge/axis-law.ts');
    const pts: number[][] = [];
    for (let i = 0; i < 40; i++) pts.push([Math.exp(0.05 * i) % 3, (i * 7) % 5 === 0 ? 4 : (i % 3) - 1, ((i * i) % 11) / 4]);
    const obj = locationModel(pts);
    const cfg = asgdConfig({ objective: obj, x0: 0, eta: 0.01, iterations: 10, batchSize: 2 });
    const law = new AxisNoiseLaw(cfg, obj.minimizer!, 400, 9); // a small law sample: its mean error is visible
    const d = 3;
    const N = 200_000;
    const sampler = new MinibatchSampler(obj.n, 2, 'with-replacement', deriveEngine(77, 'user', 0));
    const e = deriveEngine(77, 'user', 1);
    const batch = new Int32Array(2);
    const g = new Float64Array(d);
    const tmp = new Float64Array(d);
    const gF = new Float64Array(d);
    obj.gradient(obj.minimizer!, gF);
    const zeta = new Float64Array(d);
    const w = new Float64Array(d);
    const sum = new Float64Array(d);
    const sum2 = new Float64Array(d);
    const cvSum2 = new Float64Array(d); // Σ (z − w)²: the spread of the calibration's control-variate estimate
    const zc = new Float64Array(d);
    const C = new Float64Array(d * d);
    for (let m = 0; m < N; m++) {
      sampler.draw(batch);
      batchMeanGradient(cfg, batch, obj.minimizer!, g, tmp);
      for (let i = 0; i < d; i++) zeta[i] = gF[i] - g[i];
      law.project(zeta, w);
      for (let j = 0; j < d; j++) {
        const z = normalQuantile(law.pit(j, w[j], uniformOpen01(e)));
        sum[j] += z;
        sum2[j] += z * z;
        cvSum2[j] += (z - w[j]) ** 2;
        zc[j] = z - law.bias[j];
      }
      // T(z − β)
      for (let a = 0; a < d; a++) {
        let t = 0;
        for (let c = 0; c < d; c++) t += law.decorrelate[a * d + c] * zc[c];
        tmp[a] = t;
      }
      for (let a = 0; a < d; a++) for (let c = 0; c < d; c++) C[a * d + c] += (tmp[a] * tmp[c]) / N;
    }
    for (let j = 0; j < d; j++) {
      const mean = sum[j] / N;
      const se = Math.sqrt((sum2[j] / N - mean * mean) / N);
      // β is the mean of z − w over the law's 400 calibration draws: its SE is sd(z − w)/√400,
      // with sd(z − w) measured here on the N draws (E w = 0, so E[z − w] = E z)
      const seBeta = Math.sqrt(cvSum2[j] / N) / Math.sqrt(400);
      expect(Math.abs(mean - law.bias[j]), `axis ${j}: E z = ${mean} (SE ${se}), β = ${law.bias[j]} (SE ${seBeta})`).toBeLessThan(4 * Math.hypot(se, seBeta));
    }
    // covariance of T(z − β) ≈ I: T is estimated from 400 calibration draws (SE of an entry ≈ 1/√400 = 0.05)
    // and checked on N (≈ 1/√N): 4 SE of both
    for (let a = 0; a < d; a++) for (let c = 0; c < d; c++) expect(Math.abs(C[a * d + c] - (a === c ? 1 : 0)), `C[${a}][${c}]`).toBeLessThan(4 / Math.sqrt(400) + 4 / Math.sqrt(N));
    // the law sample is small enough that β is not negligible: the calibration does something
    expect(Math.max(...Array.from(law.bias, Math.abs)), `β = ${Array.from(law.bias)}`).toBeGreaterThan(4 * Math.hypot(1 / Math.sqrt(N), 0.05 / Math.sqrt(400)));
  });
});

describe("'axis-quantile': the rank PIT", () => {
  it('equals the rank construction counted by full binary searches (the bucketed search is only faster), ties included', () => {
    for (const [c, b] of [[[0, 0, 0, 1, 4], 1], [[0.3, 1.7, 2.2, 5.1, 0.9, 3.3, 8.0], 6]] as const) {
      const obj = location1d([...c]);
      const cfg = asgdConfig({ objective: obj, x0: 0, eta: 0.01, iterations: 10, batchSize: b });
      const M = 3000;
      const law = new AxisNoiseLaw(cfg, obj.minimizer!, M, 5);
      const probes = Array.from({ length: 241 }, (_, i) => -6 + i * 0.05);
      // the atoms themselves (b = 1: w = ±(c̄ − c_i)/√λ), where ties are exact
      const sd = Math.sqrt(law.lambda[0]);
      for (const ci of c) probes.push((Math.sign(law.axes[0]) * (ci - obj.minimizer![0])) / sd);
      for (const w of probes) {
        for (const v of [0.25, 0.75]) {
          // #samples < w − tol and ≤ w + tol from the CDF (one binary search over the whole axis)
          const belowN = Math.round(law.cdf(0, Math.max(w - 1e-9 - 4e-16 * Math.abs(w), w - 2e-9)) * M);
          const uptoN = Math.round(law.cdf(0, w + 1e-9) * M);
          expect(law.pit(0, w, v), `w = ${w}`).toBeCloseTo((belowN + v * (uptoN - belowN + 1)) / (M + 1), 12);
        }
      }
    }
  });
});

/** The largest double below x (for #{s < x} = #{s ≤ nextDown(x)}). */
function nextDown(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  const f = new Float64Array([x]);
  const i = new BigInt64Array(f.buffer);
  i[0] += x > 0 ? -1n : 1n;
  return f[0];
}

describe("'axis-quantile': the PITs of all axes at once", () => {
  it('pits equals the ranks counted by full binary searches and, bit for bit, the per-axis pit: random values, atoms (ties), the tolerance edges around them, extremes', () => {
    // a discrete law in d = 3 (6 data rows, b = 1: each axis has at most 6 atoms, so ties are exact),
    // and a continuous one in d = 20
    const rows = [[1, 0.2, -0.5], [0.3, 1.1, 0.7], [-0.8, 0.4, 1.3], [0.5, -1.2, 0.1], [1.7, 0.9, -0.4], [-0.2, 0.6, 0.8]];
    const lawsToTest = [
      { obj: leastSquaresObjective({ A: rows, B: [0.3, -1.1, 0.8, 2.0, -0.4, 0.9] }), b: 1, M: 5000 },
      { obj: leastSquaresObjective({ A: Array.from({ length: 400 }, (_, i) => Array.from({ length: 20 }, (_, j) => Math.sin(12.9898 * (i + 1) + 78.233 * (j + 1)) * 10 % 1)), B: Array.from({ length: 400 }, (_, i) => Math.cos(i)) }), b: 4, M: 20_000 },
    ];
    let rng = 987654321;
    const uniform = () => ((rng = (Math.imul(rng, 1103515245) + 12345) >>> 0) + 0.5) / 2 ** 32;
    for (const { obj, b, M } of lawsToTest) {
      const d = obj.dim;
      const cfg = asgdConfig({ objective: obj, x0: Array.from(obj.minimizer!), eta: 0.01, iterations: 10, batchSize: b });
      const law = new AxisNoiseLaw(cfg, obj.minimizer!, M, 3);
      // the atoms of each axis: the whitened noise of each single row, w = P(∇F(x*) − ∇f_i(x*))
      const gF = new Float64Array(d);
      const gi = new Float64Array(d);
      const w = new Float64Array(d);
      obj.gradient(law.point, gF);
      const perAxis: number[][] = Array.from({ length: d }, () => []);
      for (let i = 0; i < Math.min(obj.n, 6); i++) {
        obj.componentGradient(i, law.point, gi);
        law.project(gF.map((g, k) => g - gi[k]), w);
        for (let j = 0; j < d; j++) for (const off of [0, 1e-15, -1e-15, 0.5e-9, -0.5e-9, 1e-9, -1e-9, 1.5e-9, -1.5e-9]) perAxis[j].push(w[j] + off);
      }
      for (let j = 0; j < d; j++) {
        perAxis[j].push(1e300, -1e300, 50, -50, 0);
        for (let q = 0; q < 300; q++) perAxis[j].push(-8 + 16 * uniform());
      }
      const Q = Math.max(...perAxis.map((a) => a.length));
      const wq = new Float64Array(d);
      const vq = new Float64Array(d);
      const out = new Float64Array(d);
      for (let q = 0; q < Q; q++) {
        for (let j = 0; j < d; j++) {
          wq[j] = perAxis[j][(q + 7 * j) % perAxis[j].length]; // axes see their queries in different combinations
          vq[j] = uniform();
        }
        law.pits(wq, vq, out);
        for (let j = 0; j < d; j++) {
          // the expected rank from the CDF, one binary search over the whole axis: R = #{s < w − tol}, R + T = #{s ≤ w + tol}
          const below = Math.round(law.cdf(j, nextDown(wq[j] - 1e-9)) * M);
          const upto = Math.round(law.cdf(j, wq[j] + 1e-9) * M);
          expect(out[j], `d = ${d}, axis ${j}, w = ${wq[j]}`).toBe((below + vq[j] * (upto - below + 1)) / (M + 1));
          expect(out[j]).toBe(law.pit(j, wq[j], vq[j]));
        }
      }
      // the atoms are ties: the discrete law's PIT spreads over a whole atom
      if (d === 3) expect(perAxis[0].some((x, i) => i % 9 === 0 && Math.round(law.cdf(0, x + 1e-9) * M) - Math.round(law.cdf(0, nextDown(x - 1e-9)) * M) > M / 20)).toBe(true);
    }
  });
});

describe("'axis-quantile' in 1-D reproduces the exact 'quantile' coupling within Monte Carlo error", () => {
  it('toy problem (He et al. Fig. 1 objective), uniform delays', () => {
    const cfg = asgdConfig({ objective: toyObjective(), x0: 4, eta: 1 / 200, iterations: 200, batchSize: 1, delay: { kind: 'uniform', maxLag: 2 }, beforeHistory: 'clip' });
    // m = 1: the SDDE step is Eq. (5), taken inline with the ASGD; m = 8: bridged increments solved by `solve`
    for (const m of [1, 8]) {
      // independent ensembles (different seeds): the tolerance is their combined Monte Carlo error
      const q = meanDistance(cfg, 'quantile', 1500, 11, false, m);
      const a = meanDistance(cfg, 'axis-quantile', 1500, 12, false, m);
      expect(Math.abs(a.mean - q.mean), `m = ${m}: ${a.mean} vs ${q.mean}`).toBeLessThan(4 * Math.hypot(a.se, q.se));
    }
  });
  it('a skewed 1-D law (location model, b = 2), constant delay', () => {
    const obj = location1d([0, 0, 0, 1, 4]);
    const cfg = asgdConfig({ objective: obj, x0: 3, eta: 1 / 200, iterations: 200, batchSize: 2, delay: { kind: 'constant', lag: 3 }, beforeHistory: 'clip' });
    // independent ensembles (different seeds): the tolerance is their combined Monte Carlo error
    const q = meanDistance(cfg, 'quantile', 2000, 21);
    const a = meanDistance(cfg, 'axis-quantile', 2000, 22);
    expect(Math.abs(a.mean - q.mean), `${a.mean} ± ${a.se} vs ${q.mean} ± ${q.se}`).toBeLessThan(4 * Math.hypot(a.se, q.se));
    // and the coupling is a real one: the independent coupling's distance is larger beyond the
    // combined Monte Carlo error (SE of its 200 paths from their spread; z = 3.29, one comparison,
    // false alarm 10⁻³)
    let ind = 0;
    let ind2 = 0;
    for (let p = 0; p < 200; p++) {
      const dist = runPair(cfg, { coupling: 'independent', seed: 21, path: p, saveEvery: 200 }).distance.at(-1)!;
      ind += dist / 200;
      ind2 += (dist * dist) / 200;
    }
    const indSe = Math.sqrt((ind2 - ind * ind) / 199);
    expect((ind - q.mean) / Math.hypot(indSe, q.se), `independent ${ind} ± ${indSe} vs quantile ${q.mean} ± ${q.se}`).toBeGreaterThan(bonferroniZ(1));
  });
});

describe("'axis-quantile' in a separable 2-D problem equals the exact 1-D coupling per coordinate", () => {
  it('E‖x_K − X(t_K)‖² = Σ_j E|x_K,j − X_j(t_K)|² (product law, b = 2, uniform delays)', () => {
    const ca = [0, 0, 3];
    const cb = [-1, 0, 0, 0, 2];
    const pts: number[][] = [];
    for (const a of ca) for (const b of cb) pts.push([a, b]);
    const base = { eta: 1 / 150, iterations: 150, batchSize: 2, delay: { kind: 'uniform' as const, maxLag: 2 }, beforeHistory: 'clip' as const };
    const two = meanDistance(asgdConfig({ objective: locationModel(pts), x0: [2, -1], ...base }), 'axis-quantile', 2000, 31, true);
    const oneA = meanDistance(asgdConfig({ objective: location1d(ca), x0: 2, ...base }), 'quantile', 2000, 32, true);
    const oneB = meanDistance(asgdConfig({ objective: location1d(cb), x0: -1, ...base }), 'quantile', 2000, 33, true);
    const sum = oneA.mean + oneB.mean;
    expect(Math.abs(two.mean - sum), `${two.mean} ± ${two.se} vs ${sum}`).toBeLessThan(4 * Math.hypot(two.se, oneA.se, oneB.se));
  });
});

describe("'axis-quantile' refusals (before any work)", () => {
  const obj = location1d([0, 1, 5]);
  const cfg = asgdConfig({ objective: obj, x0: 0, eta: 0.01, iterations: 10, batchSize: 1 });
  const refused = (o: object, field: string, text: RegExp) => {
    try {
      validatePair(cfg, { coupling: 'axis-quantile', ...o });
      throw new Error('not refused');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).field).toBe(field);
      expect((e as ConfigError).reason).toMatch(text);
    }
  };
  it('a state-dependent or user covariance σ (the law is sampled where σ is evaluated)', () => {
    refused({ sigma: 'state-dependent' }, 'bridge.sigma', /at-minimizer/);
    refused({ sigma: { covariance: [[1]] } }, 'bridge.sigma', /at-minimizer/);
  });
  it("the runner's variants its plain Eq. (5) step would drop: inconsistent read, sparse updates, delay compensation", () => {
    const ls = leastSquaresObjective({ A: [[1, 0], [0, 1], [1, 1], [2, -1]], B: [1, 2, 0, 1] });
    const base = { objective: ls, x0: [0, 0], eta: 0.01, iterations: 10, batchSize: 1, delay: { kind: 'constant', lag: 1 } } as const;
    const refusedFor = (extra: object, text: RegExp) => {
      const e = (() => {
        try {
          validatePair(asgdConfig({ ...base, ...extra }), { coupling: 'axis-quantile' });
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(e, JSON.stringify(extra)).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).field).toBe('bridge.coupling');
      expect((e as ConfigError).reason).toMatch(text);
    };
    refusedFor({ read: 'inconsistent' }, /asgd\.read/);
    refusedFor({ sparse: { coordinates: 1 } }, /asgd\.sparse/);
    refusedFor({ compensation: { kind: 'dc-asgd', lambda: 0.5 } }, /asgd\.compensation/);
    // the plain configuration is accepted
    expect(() => validatePair(asgdConfig(base), { coupling: 'axis-quantile', lawSamples: 1000 })).not.toThrow();
  });
  it('lawSamples: too few, not an integer, too many numbers; and on another coupling', () => {
    refused({ lawSamples: 10 }, 'bridge.lawSamples', />= 100/);
    refused({ lawSamples: 1000.5 }, 'bridge.lawSamples', /integer/);
    refused({ lawSamples: 2 ** 24 }, 'bridge.lawSamples', /<=/);
    expect(() => validatePair(cfg, { coupling: 'quantile', lawSamples: 1000 })).toThrow(/axis-quantile/);
  });
});
