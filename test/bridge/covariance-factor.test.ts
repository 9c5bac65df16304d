/**
 * Square-root factors of covariances (src/bridge/covariance-factor.ts).
 *
 * Expected values: the defining identity σσᵀ = S (reconstruction, computed here by plain
 * loops), closed forms (1×1: σ = √s; rank-1 S = vvᵀ: Cholesky factor with first nonzero column v/…
 * given below), and ml-matrix's CholeskyDecomposition as an independent implementation for
 * `choleskySemidefiniteInPlace` on SPD inputs.
 *
 * Tolerance 1e-12 relative to max|S|: Cholesky is backward stable, ‖LLᵀ − S‖ ≤ c·d·ε·‖S‖ with
 * small c, i.e. ~1e-15·‖S‖ for d ≤ 6, so 1e-12 leaves ample margin. Random SPD matrices
 * S = BᵀB + I come from a seeded engine (deriveEngine(…, 'data', …)).
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { choleskySemidefiniteInPlace, covarianceFactor } from '../../src/bridge/covariance-factor.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { NormalSampler } from '../../src/random/normal.ts';
import { deriveEngine } from '../../src/random/streams.ts';

function fmt(S: ArrayLike<number>, d: number): string {
  const rows: string[] = [];
  for (let i = 0; i < d; i++) rows.push(`[${Array.from({ length: d }, (_, j) => S[i * d + j]).join(', ')}]`);
  return `[${rows.join(', ')}]`;
}

/** σσᵀ, row-major. */
function outer(sig: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let c = 0; c < d; c++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += sig[a * d + k] * sig[c * d + k];
      out[a * d + c] = s;
    }
  }
  return out;
}

function expectReconstructs(sig: ArrayLike<number>, S: ArrayLike<number>, d: number, label: string): void {
  const R = outer(sig, d);
  let scale = 0;
  for (let i = 0; i < d * d; i++) scale = Math.max(scale, Math.abs(S[i]));
  const tol = 1e-12 * Math.max(scale, 1e-300);
  for (let i = 0; i < d * d; i++) {
    expect(Math.abs(R[i] - S[i]), `${label}: (σσᵀ)[${Math.floor(i / d)}][${i % d}] = ${R[i]} vs S = ${S[i]}; S = ${fmt(S, d)}, σ = ${fmt(sig, d)}`).toBeLessThanOrEqual(tol);
  }
}

/** S = BᵀB + I with B a d×d matrix of N(0,1) entries from a fixed seed. */
function randomSpd(d: number, seed: number): Float64Array {
  const z = new NormalSampler(deriveEngine(seed, 'data', d));
  const B = new Float64Array(d * d);
  z.fill(B);
  const S = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let c = 0; c < d; c++) {
      let s = a === c ? 1 : 0;
      for (let k = 0; k < d; k++) s += B[k * d + a] * B[k * d + c];
      S[a * d + c] = s;
    }
  }
  return S;
}

/** S = vvᵀ. */
function rankOne(v: number[]): Float64Array {
  const d = v.length;
  const S = new Float64Array(d * d);
  for (let a = 0; a < d; a++) for (let c = 0; c < d; c++) S[a * d + c] = v[a] * v[c];
  return S;
}

describe('covarianceFactor: invalid input throws ConfigError with the caller’s field', () => {
  const bad: [string, number[], number][] = [
    ['indefinite [[1,2],[2,1]] (eigenvalues 3, −1)', [1, 2, 2, 1], 2],
    ['negative 1×1', [-1], 1],
    ['negative definite diag(−1, −2)', [-1, 0, 0, -2], 2],
    ['non-symmetric [[2,1],[0,2]]', [2, 1, 0, 2], 2],
    ['non-symmetric [[1,0.5],[0.4,1]]', [1, 0.5, 0.4, 1], 2],
    ['NaN entry', [1, NaN, NaN, 1], 2],
    ['NaN diagonal', [NaN], 1],
    ['Infinity entry', [Infinity, 0, 0, 1], 2],
    ['−Infinity off-diagonal', [1, -Infinity, -Infinity, 1], 2],
  ];
  for (const [label, S, d] of bad) {
    it(label, () => {
      let err: unknown;
      try {
        covarianceFactor(Float64Array.from(S), d, 'sdde.sigma');
      } catch (e) {
        err = e;
      }
      expect(err, `covarianceFactor(${fmt(S, d)}) should throw`).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field, `covarianceFactor(${fmt(S, d)})`).toBe('sdde.sigma');
    });
  }
});

describe('covarianceFactor: σσᵀ = S', () => {
  it('1×1: σ = √s (closed form), including s = 0', () => {
    for (const s of [4, 2, 1e-8, 1e6, 0]) {
      const sig = covarianceFactor(Float64Array.of(s), 1, 'f');
      expect(Math.abs(sig[0] - Math.sqrt(s)), `covarianceFactor([[${s}]]) = ${sig[0]}, √s = ${Math.sqrt(s)}`).toBeLessThanOrEqual(1e-15 * Math.sqrt(s));
    }
  });

  it('diagonal PD: σ = diag(√s_i)', () => {
    const sig = covarianceFactor(Float64Array.of(9, 0, 0, 0.25), 2, 'f');
    expect(Array.from(sig)).toEqual([3, 0, 0, 0.5]);
  });

  for (let d = 1; d <= 6; d++) {
    it(`random SPD BᵀB + I, d = ${d}: lower-triangular Cholesky factor reconstructing S`, () => {
      for (const seed of [1, 2, 3]) {
        const S = randomSpd(d, seed);
        const sig = covarianceFactor(S, d, 'f');
        expectReconstructs(sig, S, d, `d ${d} seed ${seed}`);
        for (let a = 0; a < d; a++) {
          expect(sig[a * d + a], `d ${d} seed ${seed}: diagonal σ[${a}][${a}]`).toBeGreaterThan(0);
          for (let c = a + 1; c < d; c++) expect(sig[a * d + c], `d ${d} seed ${seed}: σ[${a}][${c}] above the diagonal`).toBe(0);
        }
      }
    });
  }

  it('rank-deficient PSD vvᵀ: symmetric square root reconstructing S', () => {
    for (const v of [[1, 2, 3], [0, 1, -1], [0.1, 0.2, 0.3, 0.4], [1, 1]]) {
      const d = v.length;
      const S = rankOne(v);
      const sig = covarianceFactor(S, d, 'f');
      expectReconstructs(sig, S, d, `vvᵀ, v = [${v}]`);
      // Symmetric square root (V diag(√λ) Vᵀ): for S = vvᵀ it is vvᵀ/‖v‖ (closed form). The zero
      // eigenvalues come out of the eigensolver as ±O(ε·‖v‖²), and their clamped square roots
      // contribute O(√ε·‖v‖) ≈ 1.5e-8·‖v‖ to σ, hence the tolerance 1e-7·‖v‖ here (σσᵀ itself is
      // checked at 1e-12 above, where these terms enter squared).
      const nv = Math.hypot(...v);
      for (let a = 0; a < d; a++) {
        for (let c = 0; c < d; c++) {
          const ref = (v[a] * v[c]) / nv;
          expect(Math.abs(sig[a * d + c] - ref), `v = [${v}]: σ[${a}][${c}] = ${sig[a * d + c]}, vvᵀ/‖v‖ = ${ref}`).toBeLessThanOrEqual(1e-7 * nv);
        }
      }
    }
  });

  it('rank-2 PSD in 3-D and the zero matrix', () => {
    const S = new Float64Array(9);
    for (const v of [[1, 0, 2], [0, 3, -1]]) {
      const r = rankOne(v);
      for (let i = 0; i < 9; i++) S[i] += r[i];
    }
    expectReconstructs(covarianceFactor(S, 3, 'f'), S, 3, 'rank-2 sum of outer products');
    const Z = covarianceFactor(new Float64Array(4), 2, 'f');
    for (let i = 0; i < 4; i++) expect(Math.abs(Z[i]), `zero matrix: σ[${i}]`).toBe(0);
  });

  it('does not modify its input', () => {
    const S = randomSpd(3, 9);
    const copy = Float64Array.from(S);
    covarianceFactor(S, 3, 'f');
    expect(Array.from(S)).toEqual(Array.from(copy));
  });
});

describe('choleskySemidefiniteInPlace', () => {
  for (let d = 1; d <= 6; d++) {
    it(`matches ml-matrix CholeskyDecomposition on random SPD matrices, d = ${d}`, () => {
      for (const seed of [4, 5, 6]) {
        const S = randomSpd(d, seed);
        const out = new Float64Array(d * d).fill(NaN); // every entry must be written
        choleskySemidefiniteInPlace(S, d, out);
        const M = new Matrix(d, d);
        for (let a = 0; a < d; a++) for (let c = 0; c < d; c++) M.set(a, c, S[a * d + c]);
        const chol = new CholeskyDecomposition(M);
        expect(chol.isPositiveDefinite(), `ml-matrix: S = ${fmt(S, d)} is PD`).toBe(true);
        const L = chol.lowerTriangularMatrix;
        let scale = 0;
        for (let a = 0; a < d; a++) scale = Math.max(scale, Math.sqrt(S[a * d + a]));
        for (let a = 0; a < d; a++) {
          for (let c = 0; c < d; c++) {
            const ref = L.get(a, c);
            const got = out[a * d + c];
            if (c > a) expect(got, `d ${d} seed ${seed}: L[${a}][${c}] above the diagonal`).toBe(0);
            else expect(Math.abs(got - ref), `d ${d} seed ${seed}: L[${a}][${c}] = ${got}, ml-matrix ${ref}; S = ${fmt(S, d)}`).toBeLessThanOrEqual(1e-12 * scale);
          }
        }
        expectReconstructs(out, S, d, `d ${d} seed ${seed}`);
      }
    });
  }

  it('1×1 closed form √s; zero and tiny pivots give a zero column', () => {
    const out = new Float64Array(1);
    choleskySemidefiniteInPlace(Float64Array.of(2), 1, out);
    expect(out[0]).toBe(Math.SQRT2);
    choleskySemidefiniteInPlace(Float64Array.of(0), 1, out);
    expect(out[0]).toBe(0);
    const z = new Float64Array(4).fill(NaN);
    choleskySemidefiniteInPlace(new Float64Array(4), 2, z);
    expect(Array.from(z)).toEqual([0, 0, 0, 0]);
  });

  it('rank-1 S = vvᵀ: the factor is v in the first column with v_0 ≠ 0 (closed form), zero elsewhere', () => {
    // Closed form: L[:,0] = S[:,0]/√S00 = v·v0/|v0|, i.e. v for v0 > 0; every later pivot is
    // S_jj − v_j² = 0 exactly, so the other columns are zero.
    const out = new Float64Array(9).fill(NaN);
    choleskySemidefiniteInPlace(rankOne([1, 2, 3]), 3, out);
    expect(Array.from(out)).toEqual([1, 0, 0, 2, 0, 0, 3, 0, 0]);
    // v = (0, 1, 2): the first direction is degenerate (zero column), v moves to column 1.
    const out2 = new Float64Array(9).fill(NaN);
    choleskySemidefiniteInPlace(rankOne([0, 1, 2]), 3, out2);
    expect(Array.from(out2)).toEqual([0, 0, 0, 0, 1, 0, 0, 2, 0]);
    // v = (−2, 1): L[:,0] = S[:,0]/√S00 = (4, −2)/2 = (2, −1).
    const out3 = new Float64Array(4).fill(NaN);
    choleskySemidefiniteInPlace(rankOne([-2, 1]), 2, out3);
    expect(Array.from(out3)).toEqual([2, 0, -1, 0]);
  });

  it('rank-deficient PSD with rounding (v = (0.1, 0.2, 0.3, 0.4), rank-2 3-D): LLᵀ = S, lower triangular', () => {
    const cases: [Float64Array, number, string][] = [[rankOne([0.1, 0.2, 0.3, 0.4]), 4, 'vvᵀ, v = (0.1, 0.2, 0.3, 0.4)']];
    const S = new Float64Array(9);
    for (const v of [[1, 0, 2], [0, 3, -1]]) {
      const r = rankOne(v);
      for (let i = 0; i < 9; i++) S[i] += r[i];
    }
    cases.push([S, 3, 'rank-2 3-D']);
    for (const [M, d, label] of cases) {
      const out = new Float64Array(d * d).fill(NaN);
      choleskySemidefiniteInPlace(M, d, out);
      for (let a = 0; a < d; a++) for (let c = a + 1; c < d; c++) expect(out[a * d + c], `${label}: L[${a}][${c}]`).toBe(0);
      for (let i = 0; i < d * d; i++) expect(Number.isFinite(out[i]), `${label}: L entry ${i} = ${out[i]}`).toBe(true);
      expectReconstructs(out, M, d, label);
    }
  });
});
