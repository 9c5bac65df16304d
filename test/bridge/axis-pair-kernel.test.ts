/**
 * The pair kernel (src/kernels/assembly/pair.ts via src/bridge/axis-pair-kernel.ts): the
 * 'axis-quantile' pair with m = 1 on least squares, the whole step in WebAssembly, must give the
 * bits of the TypeScript loop it replaces (runner.ts with axis-coupling.ts's observer, the backend
 * 'typescript'): every ASGD iterate, F value, lag, SDDE state and distance. The reference is that
 * loop — an independent implementation of the same algorithm (plain binary searches in the sorted
 * doubles, TypeScript arithmetic), not the kernel's cell-and-key index. Covered: a continuous law;
 * a law with few atoms (every observed noise ties with thousands of samples: the tie count T and
 * the key-equality path of the index); reads before the start from a given history; a run that
 * diverges (left to the loop); and the kernel's Φ⁻¹ against normalQuantile, bit for bit. At b = 1
 * the kernel reads each step's PIT ranks from its per-law atom table: those runs are compared with
 * the loop and with the kernel's own search (the table switched off), including laws whose every
 * lookup ties.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { leastSquaresObjective } from '../../src/asgd/objectives/least-squares.ts';
import { asgdConfig, type AsgdConfig } from '../../src/asgd/runner.ts';
import { axisPairAtomTable, axisPairKernelRuns, pitCells } from '../../src/bridge/axis-pair-kernel.ts';
import { runPair } from '../../src/bridge/pair.ts';
import { normalQuantile } from '../../src/core/math/normal-quantile.ts';
import { newKernelInstance, setKernelBackend, wasmSimdSupported } from '../../src/kernels/index.ts';

afterAll(() => setKernelBackend('auto'));

/** Deterministic least-squares data (a fixed trigonometric pattern; no randomness needed). */
function data(n: number, d: number, levels = 0) {
  const A = Array.from({ length: n }, (_, i) =>
    Array.from({ length: d }, (_, j) => {
      const h = Math.sin(12.9898 * (i + 1) + 78.233 * (j + 1)) * 43758.5453;
      const v = h - Math.floor(h) - 0.5;
      return levels > 0 ? Math.round(v * levels) / levels : v;
    }),
  );
  const B = A.map((row, i) => row.reduce((s, a, j) => s + a * Math.cos(j + 1), 0) + 0.5 * Math.sin(3.7 * (i + 1)));
  return leastSquaresObjective({ A, B });
}

/** runPair under one backend, for several paths: everything the pair returns that is a number. */
function pairs(cfg: AsgdConfig, backend: 'wasm-simd' | 'typescript', lawSamples: number, paths: number[], saveEvery: number) {
  setKernelBackend(backend);
  try {
    return paths.map((path) => {
      const p = runPair(cfg, { coupling: 'axis-quantile', substeps: 1, lawSamples, seed: 11, path, saveEvery });
      return {
        status: [p.discrete.status, p.sdde.status],
        x: Array.from(p.discrete.x),
        F: Array.from(p.asgd!.F),
        k: Array.from(p.asgd!.k),
        delays: Array.from(p.asgd!.delays!),
        X: Array.from(p.sdde.x),
        t: Array.from(p.sdde.t),
        steps: p.sdde.steps,
        distance: Array.from(p.distance),
        keys: Object.keys(p.asgd!).join(',') + ';' + Object.keys(p.sdde).join(','),
      };
    });
  } finally {
    setKernelBackend('auto');
  }
}

function sameBits(cfg: AsgdConfig, lawSamples: number, paths: number[], saveEvery: number, expectKernel = true) {
  const before = axisPairKernelRuns.count;
  const wasm = pairs(cfg, 'wasm-simd', lawSamples, paths, saveEvery);
  if (expectKernel) expect(axisPairKernelRuns.count - before, 'the kernel ran once per path').toBe(paths.length);
  const ts = pairs(cfg, 'typescript', lawSamples, paths, saveEvery);
  // toEqual tells −0 from +0 and compares NaN as equal: every bit of every double
  for (let i = 0; i < paths.length; i++) expect(wasm[i], `path ${paths[i]}`).toEqual(ts[i]);
  return wasm;
}

describe.skipIf(!wasmSimdSupported())('pair kernel (axis-quantile, m = 1, least squares) = the TypeScript loop', () => {
  it('a continuous law (d = 7, b = 8, uniform lags ≤ 3): the same bits on every path, at every save', () => {
    const objective = data(3000, 7);
    const cfg = asgdConfig({ objective, x0: Array.from(objective.minimizer!), eta: 0.02, iterations: 700, batchSize: 8, sampling: 'with-replacement', delay: { kind: 'uniform', maxLag: 3 }, beforeHistory: 'clip' });
    const out = sameBits(cfg, 4096, [0, 1, 2, 5], 50);
    expect(out[0].distance.length).toBe(15);
    expect(out[0].distance.at(-1)).toBeGreaterThan(0);
  });

  it('a law with few atoms (n = 6, b = 2: 36 outcomes, all ties): T > 0 on every step, the same bits', () => {
    // rows on a coarse grid make many minibatch noises exactly equal: every PIT sees ties
    const objective = data(6, 3, 4);
    const cfg = asgdConfig({ objective, x0: Array.from(objective.minimizer!), eta: 0.05, iterations: 400, batchSize: 2, sampling: 'with-replacement', delay: { kind: 'uniform', maxLag: 2 }, beforeHistory: 'clip' });
    sameBits(cfg, 2000, [0, 3], 7);
  });

  it('reads before the start from a given history, a decaying schedule, saves off the chunk grid', () => {
    const objective = data(500, 5);
    const x0 = Array.from(objective.minimizer!, (v) => v + 0.3);
    const cfg = asgdConfig({ objective, x0, eta: 0.05, iterations: 613, batchSize: 5, sampling: 'without-replacement', delay: { kind: 'constant', lag: 6 }, beforeHistory: 'history', history: x0.map((v) => v - 1), schedule: { kind: 'inverse-sqrt' } });
    sameBits(cfg, 1000, [0, 9], 97);
  });

  /** The kernel at b = 1 with its atom table, without it (the search) and the loop: the same bits. */
  function sameBitsAtB1(cfg: AsgdConfig, lawSamples: number, paths: number[], saveEvery: number, expectTable: boolean) {
    const builds = axisPairAtomTable.builds;
    const table = sameBits(cfg, lawSamples, paths, saveEvery);
    expect(axisPairAtomTable.builds - builds, 'atom tables built').toBe(expectTable ? 1 : 0);
    axisPairAtomTable.enabled = false;
    try {
      expect(pairs(cfg, 'wasm-simd', lawSamples, paths, saveEvery)).toEqual(table);
    } finally {
      axisPairAtomTable.enabled = true;
    }
  }

  it('b = 1, few distinct rows (every lookup ties with ~50 law samples): the atom table, the search and the loop agree', () => {
    // 40 rows: the 2000 law samples repeat the 40 atoms, so each step's noise (one of them) ties
    // with all the samples of its atom — T ≈ 50 on every axis, the doubles decide every rank
    const objective = data(40, 4, 4);
    const cfg = asgdConfig({ objective, x0: Array.from(objective.minimizer!), eta: 0.05, iterations: 500, batchSize: 1, sampling: 'with-replacement', delay: { kind: 'uniform', maxLag: 3 }, beforeHistory: 'clip' });
    sameBitsAtB1(cfg, 2000, [0, 4], 9, true);
  });

  it('b = 1 on the shape of the least-squares study (odd d, n < M, uniform lags): the same bits with and without the table', () => {
    const objective = data(1500, 7);
    const cfg = asgdConfig({ objective, x0: Array.from(objective.minimizer!), eta: 0.01, iterations: 900, batchSize: 1, sampling: 'with-replacement', delay: { kind: 'uniform', maxLag: 7 }, beforeHistory: 'clip' });
    sameBitsAtB1(cfg, 4096, [0, 1, 7], 100, true);
  });

  it('b = 1 without replacement (the host draws the rows) and a history: the table applies, the same bits', () => {
    const objective = data(300, 5, 8);
    const x0 = Array.from(objective.minimizer!, (v) => v - 0.2);
    const cfg = asgdConfig({ objective, x0, eta: 0.03, iterations: 613, batchSize: 1, sampling: 'without-replacement', delay: { kind: 'constant', lag: 4 }, beforeHistory: 'history', history: x0.map((v) => v + 1) });
    sameBitsAtB1(cfg, 1000, [2], 61, true);
  });

  it('b = 1 with more rows than law samples: no table (the search), the same bits', () => {
    const objective = data(1200, 3);
    const cfg = asgdConfig({ objective, x0: Array.from(objective.minimizer!), eta: 0.02, iterations: 300, batchSize: 1, sampling: 'with-replacement', delay: { kind: 'uniform', maxLag: 2 }, beforeHistory: 'clip' });
    sameBitsAtB1(cfg, 1000, [0], 30, false);
  });

  it('a diverging run is left to the TypeScript loop: the same result either way', () => {
    const objective = data(200, 4);
    const cfg = asgdConfig({ objective, x0: 0, eta: 400, iterations: 1000, batchSize: 4, sampling: 'with-replacement', delay: { kind: 'uniform', maxLag: 3 }, beforeHistory: 'clip' });
    const out = sameBits(cfg, 1000, [0], 10, false);
    expect(out[0].status).toContain('diverged');
  });

  it("the kernel's Φ⁻¹ is normalQuantile's, bit for bit (central region, both tails, the edges)", () => {
    const k = newKernelInstance();
    expect(k.backend).toBe('wasm-simd');
    const q = k.k.normalQuantile!;
    const ps = [0, 1, NaN, -0.1, 1.1, 0.5, 0.075, 0.925, 0.0749999, 1e-300, 5e-324, 1 - 2 ** -53, 1e-12, 1e-20];
    for (let i = 1; i < 20_000; i++) ps.push(i / 20_000, (i * 0.6180339887498949) % 1, 1e-30 * i, 1 - i * 1e-17);
    for (const p of ps) expect(Object.is(q(p), normalQuantile(p)), `p = ${p}`).toBe(true);
  });

  it("least squares F in the kernels (lsqValue, lsqValueT: eight rows at a time) has the loop's bits, for any n mod 8", () => {
    for (const [n, d] of [[3000, 7], [61, 20], [13, 5], [16, 1]]) {
      const objective = data(n, d);
      const xs = [objective.minimizer!, Float64Array.from({ length: d }, (_, j) => Math.cos(3 * j) * 40), new Float64Array(d)];
      const F = (backend: 'wasm-simd' | 'typescript') => {
        setKernelBackend(backend);
        try {
          return xs.map((x) => objective.value(x));
        } finally {
          setKernelBackend('auto');
        }
      };
      expect(F('wasm-simd'), `n = ${n}, d = ${d}`).toEqual(F('typescript'));
      // both kernels directly: lsqValue (rows gathered) and lsqValueT (from Aᵀ, what value() uses)
      const raw = (objective as unknown as { data: { A: Float64Array; B: Float64Array } }).data;
      const k = newKernelInstance();
      const pA = k.alloc(n * d * 8);
      const pAt = k.alloc(n * d * 8);
      const pB = k.alloc(n * 8);
      const px = k.alloc(d * 8);
      k.f64.set(raw.A, pA >> 3);
      k.f64.set(raw.B, pB >> 3);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) k.f64[(pAt >> 3) + j * n + i] = raw.A[i * d + j];
      const ts = F('typescript');
      xs.forEach((x, i) => {
        k.f64.set(x, px >> 3);
        expect([k.k.lsqValue!(pA, pB, n, d, px), k.k.lsqValueT!(pAt, pB, n, d, px)]).toEqual([ts[i], ts[i]]);
      });
      // and F from its definition (a plain sum, other rounding): agreement to rounding
      const A = (objective as unknown as { data: { A: Float64Array; B: Float64Array } }).data;
      for (const x of xs) {
        let s = 0;
        for (let i = 0; i < n; i++) {
          let r = -A.B[i];
          for (let j = 0; j < d; j++) r += A.A[i * d + j] * x[j];
          s += r * r;
        }
        expect(objective.value(x)).toBeCloseTo(s / (2 * n), 10);
      }
    }
  });

  it('the index has a quarter as many cells as samples, at most 65 536', () => {
    expect([pitCells(100), pitCells(65_536), pitCells(2 ** 20), pitCells(3)]).toEqual([25, 16_384, 65_536, 1]);
  });
});
