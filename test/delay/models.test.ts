/**
 * Delay models (src/delay/models.ts).
 *
 * Reference pmfs: test/fixtures/delay_pmfs.json, written by test/fixtures/delay_pmfs.py
 * (geometric/poisson from scipy.stats log-pmfs renormalized with logsumexp, CMP from mpmath at
 * 50 digits, uniform exact; `mean` from math.fsum / mpmath; `cmp_logZ` the untruncated CMP
 * normalizer from mpmath direct summation). The fixture names parameters lam/nu/p/l; they map to
 * the spec fields lambda/nu/p/max. Other expected values are closed forms written next to the
 * check (truncated uniform, truncated pmf, p = 1 geometric, inverse-CDF definition).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bonferroniZ } from '../helpers/frequencies.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { cmpLogNormalizer, delayModel, type DelayModelSpec } from '../../src/delay/models.ts';
import { deriveEngine } from '../../src/random/streams.ts';
import { configError } from '../helpers/config-error.ts';

interface PmfCase {
  model: 'geometric' | 'poisson' | 'cmp' | 'uniform';
  params: { p?: number; lam?: number; nu?: number; l?: number };
  maxLag: number;
  pmf: number[];
  mean: number;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/delay_pmfs.json', import.meta.url), 'utf8')) as {
  cases: PmfCase[];
  cmp_logZ: { lam: number; nu: number; logZ: number }[];
};

function specOf(c: PmfCase): DelayModelSpec {
  const P = c.params;
  switch (c.model) {
    case 'geometric':
      return { kind: 'geometric', p: P.p!, maxLag: c.maxLag };
    case 'poisson':
      return { kind: 'poisson', lambda: P.lam!, maxLag: c.maxLag };
    case 'cmp':
      return { kind: 'cmp', lambda: P.lam!, nu: P.nu!, maxLag: c.maxLag };
    case 'uniform':
      return { kind: 'uniform', maxLag: P.l! };
  }
}


function expectField(spec: unknown, field: string, prefix?: string): void {
  const ctx = `delayModel(${JSON.stringify(spec, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}${prefix ? `, '${prefix}'` : ''})`;
  const e = configError(() => (prefix === undefined ? delayModel(spec as DelayModelSpec) : delayModel(spec as DelayModelSpec, prefix)), ctx);
  expect(e.field, `${ctx}: field (reason: ${e.reason})`).toBe(field);
  expect(e.reason.length, `${ctx}: reason must be non-empty`).toBeGreaterThan(0);
}

describe('delayModel: invalid specs throw ConfigError naming the field', () => {
  it('refuses a spec that is not an object', () => {
    for (const s of [null, undefined, 3, 'geometric', [], [1, 2]]) expectField(s, 'delay');
  });

  it('refuses a missing or unknown kind', () => {
    expectField({}, 'delay.kind');
    expectField({ kind: 'zipf', p: 0.3 }, 'delay.kind');
    expectField({ kind: 'Geometric', p: 0.3, maxLag: 3 }, 'delay.kind');
    expectField({ kind: 3 }, 'delay.kind');
  });

  it('refuses unknown extra fields', () => {
    expectField({ kind: 'constant', lag: 1, foo: 2 }, 'delay.foo');
    expectField({ kind: 'geometric', p: 0.3, maxLag: 4, lambda: 2 }, 'delay.lambda');
    expectField({ kind: 'poisson', lambda: 2, maxLag: 4, nu: 1 }, 'delay.nu');
    expectField({ kind: 'uniform', maxLag: 3, maxlag: 3 }, 'delay.maxlag');
    expectField({ kind: 'pmf', weights: [1], extra: true }, 'delay.extra');
  });

  it('geometric: p must lie in (0, 1]', () => {
    for (const p of [0, -0.1, 1.5, 1 + 1e-12, NaN, Infinity, '0.3', undefined]) {
      expectField({ kind: 'geometric', p, maxLag: 10 }, 'delay.p');
    }
  });

  it('maxLag must be an integer in [0, 10^7] (geometric, poisson, cmp, uniform, pmf)', () => {
    for (const maxLag of [-1, 2.5, NaN, Infinity, 1e7 + 1, '3', undefined]) {
      expectField({ kind: 'geometric', p: 0.5, maxLag }, 'delay.maxLag');
      expectField({ kind: 'poisson', lambda: 2, maxLag }, 'delay.maxLag');
      expectField({ kind: 'cmp', lambda: 2, nu: 1, maxLag }, 'delay.maxLag');
    }
    for (const maxLag of [-1, 2.5, NaN, 1e7 + 1]) {
      expectField({ kind: 'uniform', maxLag }, 'delay.maxLag');
      expectField({ kind: 'pmf', weights: [1, 1], maxLag }, 'delay.maxLag');
    }
  });

  it('poisson / cmp: lambda must be > 0 and finite', () => {
    for (const lambda of [0, -1, -1e-300, NaN, Infinity, undefined]) {
      expectField({ kind: 'poisson', lambda, maxLag: 10 }, 'delay.lambda');
      expectField({ kind: 'cmp', lambda, nu: 1, maxLag: 10 }, 'delay.lambda');
    }
  });

  it('cmp: nu must be > 0 and finite', () => {
    for (const nu of [0, -0.5, NaN, Infinity, undefined]) expectField({ kind: 'cmp', lambda: 2, nu, maxLag: 10 }, 'delay.nu');
  });

  it('constant: lag must be a non-negative integer', () => {
    for (const lag of [-1, 1.5, NaN, Infinity, 1e7 + 1, undefined]) expectField({ kind: 'constant', lag }, 'delay.lag');
  });

  it('uniform: maxLag (the bound) must be a non-negative integer; so must its older name max', () => {
    for (const maxLag of [-1, 0.5, NaN, undefined]) expectField({ kind: 'uniform', maxLag }, 'delay.maxLag');
    for (const max of [-1, 0.5, NaN]) expectField({ kind: 'uniform', max }, 'delay.max');
  });

  it('uniform: max and maxLag together are refused (no field may silently truncate another)', () => {
    expectField({ kind: 'uniform', max: 10, maxLag: 4 }, 'delay.max');
    expectField({ kind: 'uniform', max: 4, maxLag: 4 }, 'delay.max');
  });

  it('pmf: weights must be a non-empty array of finite non-negative numbers with positive total', () => {
    expectField({ kind: 'pmf', weights: [1, -1] }, 'delay.weights[1]');
    expectField({ kind: 'pmf', weights: [-0.5] }, 'delay.weights[0]');
    expectField({ kind: 'pmf', weights: [1, NaN] }, 'delay.weights[1]');
    expectField({ kind: 'pmf', weights: [1, Infinity] }, 'delay.weights[1]');
    expectField({ kind: 'pmf', weights: [0, 0, 0] }, 'delay.weights');
    expectField({ kind: 'pmf', weights: [] }, 'delay.weights');
    expectField({ kind: 'pmf', weights: 'uniform' }, 'delay.weights');
    expectField({ kind: 'pmf' }, 'delay.weights');
    // Truncation to lag 0 leaves zero total weight.
    expectField({ kind: 'pmf', weights: [0, 1], maxLag: 0 }, 'delay.weights');
  });

  it('prefixes the field with the caller’s path', () => {
    expectField({ kind: 'geometric', p: 0, maxLag: 3 }, 'asgd.delay.p', 'asgd.delay');
    expectField({ kind: 'constant', lag: 1, foo: 2 }, 'sdde.delay.foo', 'sdde.delay');
    expectField(null, 'sdde.delay', 'sdde.delay');
  });
});

describe('cmpLogNormalizer', () => {
  it('refuses non-positive or non-finite parameters', () => {
    for (const [lambda, nu, field] of [
      [0, 1, 'lambda'],
      [-2, 1, 'lambda'],
      [NaN, 1, 'lambda'],
      [Infinity, 1, 'lambda'],
      [2, 0, 'nu'],
      [2, -1, 'nu'],
      [2, NaN, 'nu'],
    ] as const) {
      const e = configError(() => cmpLogNormalizer(lambda, nu), `cmpLogNormalizer(${lambda}, ${nu})`);
      expect(e.field, `cmpLogNormalizer(${lambda}, ${nu})`).toBe(field);
    }
  });

  it('is λ for ν = 1 (Z = e^λ, closed form)', () => {
    for (const lambda of [0.1, 1, 4, 37.5]) {
      const v = cmpLogNormalizer(lambda, 1);
      expect(Math.abs(v - lambda), `cmpLogNormalizer(${lambda}, 1) = ${v}`).toBeLessThanOrEqual(1e-12 * lambda);
    }
  });

  // Fixture cmp_logZ (mpmath, 50 digits); relative 1e-12.
  for (const z of fixture.cmp_logZ) {
    it(`matches mpmath log Z for λ = ${z.lam}, ν = ${z.nu}`, () => {
      const v = cmpLogNormalizer(z.lam, z.nu);
      expect(Math.abs(v - z.logZ), `cmpLogNormalizer(${z.lam}, ${z.nu}) = ${v}, ref ${z.logZ}`).toBeLessThanOrEqual(1e-12 * Math.abs(z.logZ));
    });
  }
});

describe('delayModel: pmfs against delay_pmfs.json', () => {
  it('covers the overflow cases λ = 700 (Poisson) and λ = 10^4 (CMP)', () => {
    expect(fixture.cases.some((c) => c.model === 'poisson' && c.params.lam === 700)).toBe(true);
    expect(fixture.cases.some((c) => c.model === 'cmp' && c.params.lam === 1e4)).toBe(true);
  });

  for (const c of fixture.cases) {
    const label = `${c.model} ${JSON.stringify(c.params)} maxLag ${c.maxLag}`;
    it(label, () => {
      const m = delayModel(specOf(c));
      expect(m.maxLag, label).toBe(c.maxLag);
      expect(m.pmf.length, label).toBe(c.maxLag + 1);
      // Tolerance. A pmf entry is exp(ℓ_i − log Z): its relative error equals the absolute error
      // of the log-weight ℓ_i = i·log λ − ν·log i! (geometric: i·log(1−p)). Both the reference
      // (scipy logpmf) and a log-space implementation round quantities of magnitude
      // K = M·|log λ| + ν·log M! + |log Z| (M = maxLag). The implementation sums log i! with
      // compensated (Neumaier) summation, so each log-weight is within a few ulps of K:
      // relative tol = max(1e-12, 8·ε·K), and absolute tol 1e-15 for tiny entries. For λ = 700,
      // M = 1000 this is ≈ 1.6e-11; for the small cases it is the plain 1e-12.
      const P = c.params;
      const M = c.maxLag;
      const logBase = c.model === 'geometric' ? Math.log1p(-P.p!) : c.model === 'uniform' ? 0 : Math.log(P.lam!);
      const nu = c.model === 'cmp' ? P.nu! : c.model === 'poisson' ? 1 : 0;
      let logMFact = 0;
      for (let k = 2; k <= M; k++) logMFact += Math.log(k);
      let logZmag = 0;
      let lf = 0;
      for (let i = 0; i <= M; i++) {
        if (i >= 2) lf += Math.log(i);
        logZmag = Math.max(logZmag, Math.abs(i * logBase - nu * lf));
      }
      const K = M * Math.abs(logBase) + nu * logMFact + logZmag;
      const rel = Math.max(1e-12, 8 * Number.EPSILON * K);
      let sum = 0;
      for (let i = 0; i <= M; i++) {
        const got = m.pmf[i];
        const ref = c.pmf[i];
        expect(Number.isFinite(got) && got >= 0, `${label}: pmf[${i}] = ${got}`).toBe(true);
        const tol = Math.max(1e-15, rel * ref);
        expect(Math.abs(got - ref), `${label}: pmf[${i}] = ${got}, ref ${ref}, tol ${tol}`).toBeLessThanOrEqual(tol);
        sum += got;
      }
      expect(Math.abs(sum - 1), `${label}: Σ pmf = ${sum}`).toBeLessThanOrEqual(1e-12);
      // Mean: fixture mean (fsum / mpmath), same relative tolerance.
      expect(Math.abs(m.mean - c.mean), `${label}: mean ${m.mean}, ref ${c.mean}`).toBeLessThanOrEqual(Math.max(1e-12, rel) * Math.max(1, c.mean));
      // CDF: running sum of the reference pmf, and closed at exactly 1.
      let acc = 0;
      for (let i = 0; i <= M; i++) {
        acc += c.pmf[i];
        expect(Math.abs(m.cdf[i] - Math.min(acc, 1)), `${label}: cdf[${i}] = ${m.cdf[i]}, ref ${acc}`).toBeLessThanOrEqual(1e-12);
      }
      expect(m.cdf[M], `${label}: cdf[maxLag]`).toBe(1);
    });
  }

  it('CMP with ν = 1 is the truncated Poisson (fixture: same pmf for λ = 4)', () => {
    const cmp = delayModel({ kind: 'cmp', lambda: 4, nu: 1, maxLag: 40 });
    const pois = fixture.cases.find((c) => c.model === 'poisson' && c.params.lam === 4)!;
    // The fixture Poisson(4) is truncated at 30; truncate-and-renormalize CMP(4,1) at 30 the same way.
    let z = 0;
    for (let i = 0; i <= 30; i++) z += cmp.pmf[i];
    for (let i = 0; i <= 30; i++) {
      const got = cmp.pmf[i] / z;
      expect(Math.abs(got - pois.pmf[i]), `i = ${i}: ${got} vs ${pois.pmf[i]}`).toBeLessThanOrEqual(Math.max(1e-15, 1e-12 * pois.pmf[i]));
    }
  });
});

describe('delayModel: closed-form models and truncation', () => {
  it('constant(lag) is a point mass at lag', () => {
    for (const lag of [0, 1, 7]) {
      const m = delayModel({ kind: 'constant', lag });
      expect(m.maxLag, `lag ${lag}`).toBe(lag);
      expect(m.minLag, `lag ${lag}`).toBe(lag);
      expect(m.mean, `lag ${lag}`).toBe(lag);
      for (let i = 0; i <= lag; i++) expect(m.pmf[i], `lag ${lag}, pmf[${i}]`).toBe(i === lag ? 1 : 0);
    }
  });

  it('uniform(maxLag = 4) — or its older spelling max = 4 — is uniform on {0..4}', () => {
    expect(Array.from(delayModel({ kind: 'uniform', max: 4 }).pmf)).toEqual(Array.from(delayModel({ kind: 'uniform', maxLag: 4 }).pmf));
    const m = delayModel({ kind: 'uniform', maxLag: 4 });
    expect(m.maxLag).toBe(4);
    for (let i = 0; i <= 4; i++) expect(Math.abs(m.pmf[i] - 0.2), `pmf[${i}] = ${m.pmf[i]}`).toBeLessThanOrEqual(1e-15);
    expect(Math.abs(m.mean - 2), `mean ${m.mean}`).toBeLessThanOrEqual(1e-14);
  });

  it('uniform(max = 0) is the point mass at 0', () => {
    const m = delayModel({ kind: 'uniform', maxLag: 0 });
    expect(Array.from(m.pmf)).toEqual([1]);
  });

  it('geometric with p = 1 is the point mass at 0 (p(1−p)^i = [1, 0, 0, …])', () => {
    const m = delayModel({ kind: 'geometric', p: 1, maxLag: 3 });
    expect(Array.from(m.pmf)).toEqual([1, 0, 0, 0]);
    expect(m.minLag).toBe(0);
  });

  it('geometric with maxLag = 0 is the point mass at 0', () => {
    const m = delayModel({ kind: 'geometric', p: 0.3, maxLag: 0 });
    expect(Array.from(m.pmf)).toEqual([1]);
  });

  it('geometric pmf is p(1−p)^i / (1 − (1−p)^{M+1}) (truncated closed form)', () => {
    for (const [p, M] of [[0.5, 6], [0.01, 50], [0.999, 3]] as const) {
      const m = delayModel({ kind: 'geometric', p, maxLag: M });
      const z = 1 - (1 - p) ** (M + 1);
      for (let i = 0; i <= M; i++) {
        const ref = (p * (1 - p) ** i) / z;
        expect(Math.abs(m.pmf[i] - ref), `p ${p} M ${M} pmf[${i}] = ${m.pmf[i]}, ref ${ref}`).toBeLessThanOrEqual(Math.max(1e-15, 1e-12 * ref));
      }
    }
  });

  it('pmf weights are normalized; maxLag truncates and renormalizes', () => {
    const m = delayModel({ kind: 'pmf', weights: [1, 2, 3, 4] });
    [0.1, 0.2, 0.3, 0.4].forEach((r, i) => expect(Math.abs(m.pmf[i] - r), `pmf[${i}] = ${m.pmf[i]}`).toBeLessThanOrEqual(1e-15));
    const t = delayModel({ kind: 'pmf', weights: [1, 2, 3, 4], maxLag: 1 });
    expect(t.maxLag).toBe(1);
    [1 / 3, 2 / 3].forEach((r, i) => expect(Math.abs(t.pmf[i] - r), `truncated pmf[${i}] = ${t.pmf[i]}`).toBeLessThanOrEqual(1e-15));
    // A maxLag beyond the weights does not extend the support.
    const w = delayModel({ kind: 'pmf', weights: [1, 1], maxLag: 5 });
    expect(w.maxLag).toBe(1);
  });

  it('minLag is the first lag with positive mass', () => {
    expect(delayModel({ kind: 'pmf', weights: [0, 0, 3, 1] }).minLag).toBe(2);
    expect(delayModel({ kind: 'poisson', lambda: 3, maxLag: 5 }).minLag).toBe(0);
  });

  it('poisson pmf is finite for λ = 700 where λ^i/i! overflows a double', () => {
    const m = delayModel({ kind: 'poisson', lambda: 700, maxLag: 1000 });
    for (let i = 0; i <= 1000; i++) expect(Number.isFinite(m.pmf[i]), `pmf[${i}] = ${m.pmf[i]}`).toBe(true);
    expect(Number.isFinite(m.mean)).toBe(true);
  });
});

describe('DelayDistribution.quantile is the inverse CDF (smallest i with cdf[i] > u)', () => {
  it('uniform on {0..4}: u in ((k)/5, (k+1)/5) maps to k', () => {
    const m = delayModel({ kind: 'uniform', maxLag: 4 });
    for (const [u, k] of [[1e-300, 0], [0.1, 0], [0.3, 1], [0.5, 2], [0.7, 3], [0.9, 4], [1 - 2 ** -53, 4]] as const) {
      expect(m.quantile(u), `quantile(${u})`).toBe(k);
    }
  });

  it('skips lags with zero mass, including at exact CDF values', () => {
    // weights [0,1,0,1]: cdf = [0, 0.5, 0.5, 1] (exact in binary).
    const m = delayModel({ kind: 'pmf', weights: [0, 1, 0, 1] });
    for (const [u, k] of [[0, 1], [1e-300, 1], [0.25, 1], [0.5, 3], [0.75, 3], [1 - 2 ** -53, 3]] as const) {
      expect(m.quantile(u), `quantile(${u})`).toBe(k);
    }
  });

  it('never returns a trailing zero-mass lag', () => {
    const m = delayModel({ kind: 'pmf', weights: [1, 0, 0] });
    for (const u of [0, 0.5, 1 - 2 ** -53]) expect(m.quantile(u), `quantile(${u})`).toBe(0);
  });

  it('agrees with a linear scan of the reference CDF (geometric p = 0.3, maxLag 20) away from the jumps', () => {
    const c = fixture.cases.find((x) => x.model === 'geometric' && x.params.p === 0.3)!;
    const m = delayModel(specOf(c));
    const cdf: number[] = [];
    let acc = 0;
    for (const v of c.pmf) cdf.push((acc += v));
    for (let j = 1; j < 1000; j++) {
      const u = j / 1000;
      let k = 0;
      while (k < cdf.length - 1 && !(cdf[k] > u)) k++;
      // Skip u within 1e-12 of a jump, where rounding decides the side.
      if (cdf.some((v) => Math.abs(v - u) < 1e-12)) continue;
      expect(m.quantile(u), `quantile(${u})`).toBe(k);
    }
  });
});

describe('DelayDistribution.sample', () => {
  it('constant model consumes no randomness', () => {
    const m = delayModel({ kind: 'constant', lag: 3 });
    const used = deriveEngine(11, 'delay', 0);
    for (let i = 0; i < 100; i++) expect(m.sample(used)).toBe(3);
    const fresh = deriveEngine(11, 'delay', 0);
    for (let i = 0; i < 10; i++) expect(used.next(), `word ${i} after sampling`).toBe(fresh.next());
  });

  it('is reproducible for the same engine key', () => {
    const m = delayModel({ kind: 'poisson', lambda: 4, maxLag: 30 });
    const a = deriveEngine(5, 'delay', 2);
    const b = deriveEngine(5, 'delay', 2);
    for (let i = 0; i < 200; i++) expect(m.sample(a), `draw ${i}`).toBe(m.sample(b));
  });

  // Frequencies of N = 100000 draws against the fixture pmf: for each lag with p ≥ 0.01,
  // |p̂ − p| < 5·sqrt(p(1−p)/N) (binomial standard error). Draws outside {0..maxLag} fail outright.
  const N = 100_000;
  const cases: [string, DelayModelSpec, number[]][] = [];
  for (const c of fixture.cases) {
    if ((c.model === 'geometric' && c.params.p === 0.3) || (c.model === 'poisson' && c.params.lam === 4) || (c.model === 'cmp' && c.params.lam === 30) || c.model === 'uniform') {
      cases.push([`${c.model} ${JSON.stringify(c.params)}`, specOf(c), c.pmf]);
    }
  }
  // A pmf with a hole; closed-form probabilities 0.5, 0, 0.2, 0.3.
  cases.push(['pmf [5,0,2,3]', { kind: 'pmf', weights: [5, 0, 2, 3] }, [0.5, 0, 0.2, 0.3]]);

  it('has five cases to sample', () => {
    expect(cases.length).toBe(5);
  });

  for (const [label, spec, pmf] of cases) {
    it(`frequencies match the pmf: ${label}`, () => {
      const m = delayModel(spec);
      const engine = deriveEngine(2024, 'delay', 0);
      const counts = new Array(pmf.length).fill(0);
      for (let i = 0; i < N; i++) {
        const l = m.sample(engine);
        if (!(Number.isInteger(l) && l >= 0 && l < pmf.length)) throw new Error(`${label}: sample ${l} out of range`);
        counts[l]++;
      }
      let tested = 0;
      // binomial SE of a frequency; Bonferroni over this model's lags with p ≥ 0.01: family-wise
      // false alarm ≤ 10⁻³ per model
      const z = bonferroniZ(pmf.filter((p: number) => p >= 0.01).length);
      pmf.forEach((p, i) => {
        if (p === 0) expect(counts[i], `${label}: zero-mass lag ${i} drawn`).toBe(0);
        if (p < 0.01) return;
        tested++;
        const tol = z * Math.sqrt((p * (1 - p)) / N);
        expect(Math.abs(counts[i] / N - p), `${label}: lag ${i}, ${counts[i]}/${N} vs ${p}, tol ${tol}`).toBeLessThan(tol);
      });
      expect(tested, label).toBeGreaterThan(1);
    });
  }
});
