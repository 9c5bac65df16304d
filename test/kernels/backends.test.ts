/**
 * The WebAssembly SIMD kernels and their TypeScript fallback give the same bits, and both give the
 * bits of the code they replace: the general Euler–Maruyama loop of solve (kernel: 'generic'), the
 * library's NormalSampler over BatchedMersenneTwister19937, and the objectives' sums of
 * componentGradient. Every case runs under both backends; a fingerprint (FNV-1a of the result's
 * bytes) is compared, and the full arrays too, so a failure shows where the results part.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, under } from '../helpers/kernel-backends.ts';
import { generatedLeastSquares } from '../../src/asgd/objectives/least-squares.ts';
import { generatedLogistic } from '../../src/asgd/objectives/logistic.ts';
import { generatedMlp, mlpInitialPoint } from '../../src/asgd/objectives/mlp.ts';
import { runParameterServer } from '../../src/asgd/parameter-server.ts';
import { runAsgd } from '../../src/asgd/runner.ts';
import { asgdRuns } from '../../src/asgd/kernel-host.ts';
import { emRuns } from '../../src/sdde/kernel-host.ts';
import { KernelInstance, kernelBackend, setKernelBackend, wasmBytes, wasmSimdSupported } from '../../src/kernels/index.ts';
import { RNG_BYTES, RNG_POOL, RNG_POOL_LEFT } from '../../src/kernels/layout.ts';
import { dot4 } from '../../src/core/kernels.ts';
import { WASM_BASE64 } from '../../src/kernels/wasm-module.ts';
import { BatchedMersenneTwister19937 } from '../../src/random/mt19937.ts';
import { NormalSampler } from '../../src/random/normal.ts';
import { deriveEngine } from '../../src/random/streams.ts';
import { EulerMaruyama } from '../../src/sdde/algorithms/euler-maruyama.ts';
import { GaussianIncrements } from '../../src/sdde/brownian.ts';
import { defineSdde, type SddeSpec } from '../../src/sdde/problem.ts';
import { solvePaths } from '../../src/sdde/solve-paths.ts';
import { solve, type SolveOptions } from '../../src/sdde/solve.ts';
import type { SddeSolution } from '../../src/sdde/solution.ts';

afterAll(() => setKernelBackend('auto'));

/** FNV-1a over the bytes of typed arrays. */
function fingerprint(...arrays: ArrayBufferView[]): string {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  }
  return (h >>> 0).toString(16);
}

function summary(s: SddeSolution) {
  return { status: s.status, divergence: s.divergence, steps: s.steps, t: Array.from(s.t), x: Array.from(s.x), delays: s.delays ? Array.from(s.delays) : undefined, fp: fingerprint(s.t, s.x, ...(s.delays ? [s.delays] : [])) };
}

it('WebAssembly SIMD is available in this Node (else the wasm half of these tests would not run)', () => {
  expect(wasmSimdSupported()).toBe(true);
  expect(kernelBackend()).toBe('wasm-simd');
});

it('wasmBytes decodes the embedded module: with Node’s Buffer, the bytes of the atob loop that browsers run', () => {
  const viaAtob = Uint8Array.from(atob(WASM_BASE64), (ch) => ch.charCodeAt(0));
  const bytes = wasmBytes();
  expect(bytes.length).toBe(viaAtob.length);
  expect(Buffer.compare(bytes, viaAtob)).toBe(0);
  expect(bytes.byteOffset).toBe(0);
  expect(bytes.buffer.byteLength).toBe(bytes.length); // its own buffer, not a slice of Node's pool
});

describe('random numbers: kernel streams = NormalSampler over BatchedMersenneTwister19937', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: 300 000 normals in calls of varied length (refills, wedges and the tail), the words after, the layer pool`, () => {
      const inst = new KernelInstance(backend === 'wasm-simd' ? new WebAssembly.Module(wasmBytes()) : null);
      for (const path of [0, 1, 77]) {
        const engine = deriveEngine(5, 'brownian', path) as BatchedMersenneTwister19937;
        const ref = new NormalSampler(deriveEngine(5, 'brownian', path));
        const r = inst.alloc(RNG_BYTES);
        engine.save(inst.i32, r >> 2);
        const out = inst.alloc(1000 * 8);
        let slow = 0;
        let drawn = 0;
        for (let call = 0; drawn < 300_000; call++) {
          const count = 1 + ((call * 7919) % 997);
          inst.k.normals(r, out, count, 8, 0.25);
          for (let i = 0; i < count; i++) {
            const want = 0.25 * ref.next();
            if (Math.abs(want) > 0.25 * 3.2) slow++;
            const got = inst.f64[(out >> 3) + i];
            if (!Object.is(got, want)) expect(got, `path ${path}, normal ${drawn + i}`).toBe(want);
          }
          drawn += count;
        }
        expect(slow).toBeGreaterThan(100); // the wedges and the tail were exercised
        const st = ref.streamState();
        expect(inst.u32[(r + RNG_POOL) >> 2]).toBe(st.pool);
        expect(inst.i32[(r + RNG_POOL_LEFT) >> 2]).toBe(st.poolLeft);
        const w = inst.alloc(2000 * 4);
        inst.k.words(r, w, 2000);
        for (let i = 0; i < 2000; i++) if (inst.i32[(w >> 2) + i] !== (st.engine.next() | 0)) expect(inst.i32[(w >> 2) + i], `word ${i}`).toBe(st.engine.next() | 0);
      }
    });
  }
});

const em = new EulerMaruyama();
const G = [[0.3, -0.1, 0.05], [0.02, 0.4, 0], [0.1, 0.1, 0.2]];
// [name, spec, options]; each is solved by the general loop and by the kernels under both backends
const cases: [string, SddeSpec, Partial<SolveOptions>][] = [
  ['d = 1, dX = −X(t−1)dt + dB, history policy', { dim: 1, drift: { linear: { y: [[-1]] } }, diffusion: { noise: 'diagonal', g: 1 }, history: 1, T: 5, delay: { kind: 'constant', tau: 1 } }, { recordDelays: true }],
  ['d = 1, all terms, clip, scalar noise', { dim: 1, drift: { linear: { x: [[-0.3]], y: [[-0.8]], c: [0.2] } }, diffusion: { noise: 'scalar', g: [0.5] }, history: 2, T: 3, delay: { kind: 'constant', lag: 40 }, beforeHistory: 'clip' }, { recordDelays: true }],
  ['d = 1, warmup, sampled history, every 7th', { dim: 1, drift: { linear: { y: [[-2]] } }, diffusion: { noise: 'diagonal', g: 0.1 }, history: { times: [-1, 0], values: [[3], [1]] }, T: 6, delay: { kind: 'constant', lag: 300 }, beforeHistory: 'warmup' }, { saveAt: { every: 7 }, recordDelays: true }],
  ['d = 1, function history, saved times', { dim: 1, drift: { linear: { x: [[-1]], c: [1] } }, diffusion: { noise: 'diagonal', g: 0.2 }, history: (s, out) => void (out[0] = Math.cos(s)), T: 4, delay: { kind: 'constant', lag: 25 } }, { saveAt: { times: [0.5, 1, 1.5, 3.99] } }],
  ['d = 1, no delay, final only', { dim: 1, drift: { linear: { x: [[-1]] } }, diffusion: { noise: 'diagonal', g: 1 }, history: 0, T: 7 }, { saveAt: { final: true } }],
  ['d = 1, no noise (a DDE)', { dim: 1, drift: { linear: { y: [[-1.2]] } }, diffusion: { noise: 'none' }, history: 1, T: 9, delay: { kind: 'constant', lag: 50 } }, {}],
  ['d = 1, diverging mid-chunk', { dim: 1, drift: { linear: { x: [[400]] } }, diffusion: { noise: 'diagonal', g: 1 }, history: 1, T: 100, delay: { kind: 'constant', lag: 3 } }, { recordDelays: true, saveAt: { every: 3 } }],
  ['d = 1, random lags (geometric), history', { dim: 1, drift: { linear: { y: [[-1]] } }, diffusion: { noise: 'diagonal', g: 0.7 }, history: (s, out) => void (out[0] = 1 + s), T: 8, delay: { kind: 'random', model: { kind: 'geometric', p: 0.02, maxLag: 400 } } }, { recordDelays: true, saveAt: { every: 13 } }],
  ['d = 1, random lags, clip', { dim: 1, drift: { linear: { x: [[-0.5]], y: [[-1]] } }, diffusion: { noise: 'diagonal', g: 0.7 }, history: 1, T: 8, delay: { kind: 'random', model: { kind: 'uniform', max: 30 } }, beforeHistory: 'clip' }, { recordDelays: true }],
  ['d = 1, random lags, warmup', { dim: 1, drift: { linear: { y: [[-1]] } }, diffusion: { noise: 'diagonal', g: 0.7 }, history: 1, T: 8, delay: { kind: 'random', model: { kind: 'poisson', lambda: 20, maxLag: 60 } }, beforeHistory: 'warmup' }, { recordDelays: true }],
  ['d = 1, time-varying θ(t)', { dim: 1, drift: { linear: { y: [[-1]] } }, diffusion: { noise: 'diagonal', g: 0.3 }, history: 0.5, T: 6, delay: { kind: 'time-varying', theta: (t) => 0.5 + 0.4 * Math.sin(t), tau: 0.9 } }, { recordDelays: true }],
  ['d = 1, prescribed lags', { dim: 1, drift: { linear: { y: [[-1]] } }, diffusion: { noise: 'diagonal', g: 0.3 }, history: 0.5, T: 2, delay: { kind: 'prescribed', lags: [0, 3, 7, 1, 12], repeat: 50 } }, { recordDelays: true }],
  ['d = 3, linear drift, diagonal noise', { dim: 3, drift: { linear: { x: [[-1, 0.2, 0], [0.1, -2, 0.3], [0, 0, -0.5]], y: [[-0.5, 0, 0.1], [0, -0.2, 0], [0.3, 0, -1]], c: [0.1, 0, -0.2] } }, diffusion: { noise: 'diagonal', g: [0.2, 0.3, 0.4] }, history: [1, -1, 0.5], T: 5, delay: { kind: 'constant', lag: 70 } }, { saveAt: { every: 9 } }],
  ['d = 3, linear drift, scalar noise, clip', { dim: 3, drift: { linear: { y: [[-1, 0.2, 0], [0.1, -2, 0.3], [0, 0, -0.5]] } }, diffusion: { noise: 'scalar', g: [0.2, 0.3, 0.4] }, history: [1, -1, 0.5], T: 5, delay: { kind: 'constant', lag: 70 }, beforeHistory: 'clip' }, { recordDelays: true }],
  ['d = 3, linear drift, full 3×3 noise, random lags', { dim: 3, drift: { linear: { x: [[-1, 0.2, 0], [0.1, -2, 0.3], [0, 0, -0.5]], c: [1, 2, 3] } }, diffusion: { noise: 'full', g: G }, history: 0, T: 5, delay: { kind: 'random', model: { kind: 'uniform', max: 20 } } }, { recordDelays: true }],
  ['d = 2, full 2×5 noise, no delay', { dim: 2, drift: { linear: { x: [[-1, 0.5], [-0.5, -1]] } }, diffusion: { noise: 'full', noiseDim: 5, g: [[0.1, 0.2, 0.3, 0.4, 0.5], [0.5, 0.4, 0.3, 0.2, 0.1]] }, history: [1, 2], T: 3 }, {}],
  ['d = 2, no noise, diverging', { dim: 2, drift: { linear: { x: [[300, 0], [0, -1]] } }, diffusion: { noise: 'none' }, history: [1, 1], T: 10, delay: { kind: 'constant', lag: 2 } }, { recordDelays: true }],
];

// function drift with a large full diffusion (the hybrid path: the drift runs in JS between kernel steps)
const D = 12;
const M = 9;
const GF = Array.from({ length: D }, (_, i) => Array.from({ length: M }, (_, j) => 0.05 * (i === j ? 1 : 0) + 0.01 * Math.sin(i + 2 * j)));
cases.push(['d = 12, m = 9, drift function, constant full noise (odd m: the tail of the 4-way sums)', { dim: D, drift: (_t, x, y, out) => { for (let i = 0; i < D; i++) out[i] = -y[i] + 0.1 * Math.tanh(x[(i + 1) % D]); }, diffusion: { noise: 'full', noiseDim: M, g: GF }, history: (s, out) => { for (let i = 0; i < D; i++) out[i] = Math.sin(s + i); }, T: 2, delay: { kind: 'constant', lag: 17 } }, { saveAt: { every: 4 }, recordDelays: true }]);
cases.push(['d = 12, m = 9, drift and diffusion functions, random lags', { dim: D, drift: (t, x, y, out) => { for (let i = 0; i < D; i++) out[i] = -y[i] + 0.05 * t; }, diffusion: { noise: 'full', noiseDim: M, g: (_t, x, _y, out) => { for (let i = 0; i < D * M; i++) out[i] = 0.02 * (1 + 0.1 * Math.cos(x[i % D] + i)); } }, history: 0.3, T: 2, delay: { kind: 'random', model: { kind: 'geometric', p: 0.2, maxLag: 40 } } }, { recordDelays: true }]);
cases.push(['d = 12, m = 9, drift function, diverging', { dim: D, drift: (_t, x, _y, out) => { for (let i = 0; i < D; i++) out[i] = 50 * x[i] * Math.abs(x[i]); }, diffusion: { noise: 'full', noiseDim: M, g: GF }, history: 1, T: 5, delay: { kind: 'constant', lag: 1 } }, { recordDelays: true }]);

// constant full noise over several chunks of steps (256 per kernel call): G·ΔB of a chunk is one
// blocked product (matvec4Many, blocks of 32 steps and 4 rows), d and m not multiples of 4
const D2 = 37;
const M2 = 41;
const G2 = Array.from({ length: D2 }, (_, i) => Array.from({ length: M2 }, (_, j) => 0.02 * (i === j ? 1 : 0) + 0.004 * Math.cos(3 * i - j)));
cases.push(['d = 37, m = 41, linear drift, constant full noise, 600 steps (chunks of 256)', { dim: D2, drift: { linear: { x: Array.from({ length: D2 }, (_, i) => Array.from({ length: D2 }, (_, j) => (i === j ? -1 : 0.01 * Math.sin(i * j)))), c: Array.from({ length: D2 }, (_, i) => 0.1 * i) } }, diffusion: { noise: 'full', noiseDim: M2, g: G2 }, history: 0.2, T: 6, delay: { kind: 'constant', lag: 3 } }, { saveAt: { every: 11 } }]);
cases.push(['d = 37, m = 41, drift function, constant full noise, random lags over several chunks', { dim: D2, drift: (t, x, y, out) => { for (let i = 0; i < D2; i++) out[i] = -y[i] + 0.2 * Math.sin(x[(i + 3) % D2] + t); }, diffusion: { noise: 'full', noiseDim: M2, g: G2 }, history: (s, out) => { for (let i = 0; i < D2; i++) out[i] = Math.cos(s * i); }, T: 6, delay: { kind: 'random', model: { kind: 'geometric', p: 0.1, maxLag: 40 } } }, { recordDelays: true, saveAt: { every: 7 } }]);
// only the last coordinate (index 36, the odd one out of the kernel's pairs of lanes) blows up
cases.push(['d = 37, m = 41, drift function, constant full noise, the last coordinate diverging in the second chunk', { dim: D2, drift: (_t, x, y, out) => { for (let i = 0; i < D2; i++) out[i] = i === D2 - 1 ? 0.3 * x[i] * Math.abs(x[i]) : -y[i]; }, diffusion: { noise: 'full', noiseDim: M2, g: G2 }, history: 1, T: 30, delay: { kind: 'constant', lag: 2 } }, { recordDelays: true, saveAt: { every: 3 } }]);
const D3 = 100;
const G3 = Array.from({ length: D3 }, (_, i) => Array.from({ length: D3 }, (_, j) => 0.1 * (i === j ? 1 : 0) + 0.001 * Math.sin(i + 2 * j)));
cases.push(['d = m = 100, drift function −X(t − τ), constant full noise (the benchmark’s W3), 600 steps', { dim: D3, drift: (_t, _x, y, out) => { for (let i = 0; i < D3; i++) out[i] = -y[i]; }, diffusion: { noise: 'full', noiseDim: D3, g: G3 }, history: 0, T: 6, delay: { kind: 'constant', lag: 10 } }, { saveAt: { every: 50 } }]);

describe('matvec4Many: G·[v_0 … v_{n−1}] blocked ≡ each row summed as the general loop sums it (dot4)', () => {
  for (const backend of BACKENDS) {
    it(backend, () => {
      const inst = new KernelInstance(backend === 'wasm-simd' ? new WebAssembly.Module(wasmBytes()) : null);
      for (const [rows, cols, n] of [[1, 1, 1], [7, 9, 33], [100, 100, 70], [6, 3, 65], [13, 100, 32]]) {
        const g = Float64Array.from({ length: rows * cols }, (_, q) => Math.sin(1.7 * q + 0.3) * (1 + (q % 5)));
        const v = Float64Array.from({ length: n * cols }, (_, q) => Math.cos(0.9 * q) / (1 + (q % 7)));
        const gp = inst.alloc(g.length * 8);
        const vp = inst.alloc(v.length * 8);
        const op = inst.alloc(n * rows * 8);
        inst.f64.set(g, gp >> 3);
        inst.f64.set(v, vp >> 3);
        inst.k.matvec4Many(gp, vp, op, rows, cols, n);
        const want = Array.from({ length: n * rows }, (_, q) => dot4(g, (q % rows) * cols, v.subarray(Math.floor(q / rows) * cols), cols));
        expect(Array.from(inst.f64.subarray(op >> 3, (op >> 3) + n * rows)), `${rows}×${cols}, ${n} vectors`).toEqual(want);
      }
    });
  }
});

describe('Euler–Maruyama: kernels (both backends) ≡ the general loop, bit for bit', () => {
  for (const [name, spec, opts] of cases) {
    it(name, () => {
      const p = defineSdde(spec);
      const generic = summary(solve(p, em, { dt: 0.01, seed: 3, ...opts, kernel: 'generic' }));
      for (const backend of BACKENDS) {
        const before = emRuns.count;
        const got = under(backend, () => summary(solve(p, em, { dt: 0.01, seed: 3, ...opts })));
        expect(emRuns.count, `${backend}: the kernels ran`).toBe(before + 1);
        expect(got, `${backend} (fingerprint ${got.fp}) vs generic (${generic.fp})`).toEqual(generic);
      }
    });
  }

  it('a Brownian stream passed in as options.noise continues where the kernel left it', () => {
    const p = defineSdde(cases[0][1]);
    for (const backend of BACKENDS) {
      const a = new GaussianIncrements(deriveEngine(9, 'brownian', 0), 1);
      const b = new GaussianIncrements(deriveEngine(9, 'brownian', 0), 1);
      under(backend, () => solve(p, em, { seed: 0, dt: 0.01, noise: a }));
      solve(p, em, { seed: 0, dt: 0.01, noise: b, kernel: 'generic' });
      const ra = new Float64Array(999);
      const rb = new Float64Array(999);
      a.sampler.fill(ra);
      b.sampler.fill(rb);
      expect(Array.from(ra), backend).toEqual(Array.from(rb));
    }
  });

  it('a drift function that calls solve itself (nested kernel use grows the shared memory) gives the same bits', () => {
    const inner = defineSdde({ dim: 1, drift: { linear: { y: [[-1]] } }, diffusion: { noise: 'diagonal', g: 1 }, history: 1, T: 1, delay: { kind: 'constant', lag: 20000 } });
    let calls = 0;
    const outer = defineSdde({
      dim: D,
      drift: (_t, _x, y, out) => {
        // every 40th call solves a problem with a large ring (more kernel memory than before)
        const v = calls++ % 40 === 0 ? solve(inner, em, { dt: 1e-4, seed: calls, saveAt: { final: true } }).x[0] : 0;
        for (let i = 0; i < D; i++) out[i] = -y[i] + 1e-3 * v;
      },
      diffusion: { noise: 'full', noiseDim: M, g: GF },
      history: 0,
      T: 1,
      delay: { kind: 'constant', lag: 5 },
    });
    calls = 0;
    const generic = summary(solve(outer, em, { dt: 0.01, seed: 1, kernel: 'generic' }));
    for (const backend of BACKENDS) {
      calls = 0;
      expect(under(backend, () => summary(solve(outer, em, { dt: 0.01, seed: 1 }))), backend).toEqual(generic);
    }
  });
});

describe('paths side by side (SIMD lanes) ≡ one solve per path', () => {
  const specs: [string, SddeSpec][] = [
    ['history policy', cases[0][1]],
    ['clip, all terms', cases[1][1]],
    ['warmup', cases[2][1]],
    ['no noise', cases[5][1]],
    // x doubles every step: f = 100x overflows within 1022 steps iff the path's noise prefactor exceeds ≈ 0.04 (about half the paths)
    ['some paths diverge, others not', { dim: 1, drift: { linear: { x: [[100]] } }, diffusion: { noise: 'diagonal', g: 1 }, history: 0, T: 10.22 }],
  ];
  for (const [name, spec] of specs) {
    it(name, () => {
      const p = defineSdde(spec);
      const opts = { dt: 0.01, seed: 11, saveAt: { every: 5 } };
      const single = Array.from({ length: 19 }, (_, j) => summary(solve(p, em, { ...opts, path: 4 + j, kernel: 'generic' })));
      for (const backend of BACKENDS) {
        const before = emRuns.count;
        const group = under(backend, () => solvePaths(p, em, opts, 4, 19)).map(summary);
        expect(emRuns.count - before, `${backend}: 3 groups of ≤ 8 lanes`).toBe(3);
        expect(group, backend).toEqual(single);
      }
      expect(() => solvePaths(p, em, { ...opts, dt: -1 }, 0, 3)).toThrow(/options\.dt/);
      expect(() => solvePaths(p, em, { ...opts, saveAt: { every: 0 } }, 0, 3)).toThrow(/saveAt/);
      if (name.startsWith('some')) {
        const statuses = single.map((s) => s.status);
        expect(statuses).toContain('ok');
        expect(statuses).toContain('diverged');
      }
    });
  }
});

describe('ASGD minibatch gradients: kernels (both backends) ≡ the sum of componentGradient', () => {
  const objectives = [
    ['least squares, d = 37 (odd: vector tails)', generatedLeastSquares({ n: 300, d: 37, seed: 2 })],
    ['least squares, d = 100', generatedLeastSquares({ n: 500, d: 100, seed: 3 })],
    ['logistic, d = 21, λ = 0.01', generatedLogistic({ n: 400, d: 21, l2: 0.01, seed: 4 })],
    ['logistic, d = 64, λ = 0', generatedLogistic({ n: 400, d: 64, l2: 0, seed: 5 })],
  ] as const;
  for (const [name, obj] of objectives) {
    it(name, () => {
      const d = obj.dim;
      const x = Float64Array.from({ length: d }, (_, j) => Math.sin(3 * j + 1) * (name.startsWith('logistic') ? 4 : 1));
      const gi = new Float64Array(d);
      for (const count of [1, 2, 3, 5, 32, 33, 256]) {
        const batch = Int32Array.from({ length: count }, (_, m) => (m * 7919 + 13) % obj.n);
        const want = new Float64Array(d);
        for (let m = 0; m < count; m++) {
          obj.componentGradient(batch[m], x, gi);
          for (let j = 0; j < d; j++) want[j] += gi[j];
        }
        for (const backend of BACKENDS) {
          const got = new Float64Array(d).fill(99);
          under(backend, () => obj.minibatchGradientSum!(batch, count, x, got));
          expect(Array.from(got), `${backend}, b = ${count}`).toEqual(Array.from(want));
        }
      }
      expect(() => obj.minibatchGradientSum!(Int32Array.of(0, 1, 2, obj.n), 4, x, gi)).toThrow(/outside/);
    });
  }
  it('a whole ASGD run (least squares n = 10⁴, d = 100, b = 32, uniform delays): same iterates under both backends', () => {
    const obj = generatedLeastSquares({ n: 10_000, d: 100, seed: 1 });
    const spec = { objective: obj, x0: 0, eta: 0.01, iterations: 400, batchSize: 32, delay: { kind: 'uniform' as const, max: 16 } };
    const runs = BACKENDS.map((b) => under(b, () => runAsgd(spec, { seed: 2, saveAt: { every: 50 } })));
    expect(fingerprint(runs[0].x, runs[0].F)).toBe(fingerprint(runs[1].x, runs[1].F));
    expect(Array.from(runs[0].x)).toEqual(Array.from(runs[1].x));
  });
});

describe('MLP: kernels (both backends) ≡ the objective’s loops', () => {
  const obj = generatedMlp({ n: 300, d: 5, hidden: 7, classes: 3, l2: 0.01, seed: 4 });
  const points = [mlpInitialPoint(obj, 1), Float64Array.from({ length: obj.dim }, (_, k) => 3 * Math.sin(k * 1.3))];
  it('value: (1/n) Σ loss + (λ/2)‖x‖², the same bits', () => {
    for (const x of points) {
      const vals = BACKENDS.map((b) => under(b, () => obj.value(x)));
      expect(vals[0], 'wasm vs typescript').toBe(vals[1]);
    }
  });
  it('addMeanGradient: out[off + k] += ∇f_i(x)_k / b in batch order, the same bits as the loop over componentGradient', () => {
    const gi = new Float64Array(obj.dim);
    for (const x of points) {
      for (const count of [1, 4, 16]) {
        const batch = Int32Array.from({ length: count }, (_, m) => (m * 97 + 5) % obj.n);
        const want = new Float64Array(obj.dim + 3).fill(0.5);
        for (let m = 0; m < count; m++) {
          obj.componentGradient(batch[m], x, gi);
          for (let k = 0; k < obj.dim; k++) want[3 + k] += gi[k] / count;
        }
        for (const backend of BACKENDS) {
          const got = new Float64Array(obj.dim + 3).fill(0.5);
          under(backend, () => obj.addMeanGradient!(batch, count, x, got, 3));
          expect(Array.from(got), `${backend}, b = ${count}`).toEqual(Array.from(want));
        }
      }
    }
  });
  it('a parameter-server run on the MLP: the same trajectory and losses under both backends', () => {
    const spec = { objective: obj, x0: mlpInitialPoint(obj, 2), workers: 4, batchSize: 8, mode: 'async' as const, computeTime: { kind: 'normal' as const, mean: 1, sd: 0.2 }, optimizer: { kind: 'sgd' as const, lr: 0.05 }, updates: 300, saveEvery: 20 };
    const runs = BACKENDS.map((b) => under(b, () => runParameterServer(spec, { seed: 3 })));
    expect(Array.from(runs[0].F)).toEqual(Array.from(runs[1].F));
    expect(Array.from(runs[0].x)).toEqual(Array.from(runs[1].x));
  });
});

it('a history too large for kernel memory (lag 1.7·10⁶, d = 10: over 1 GiB of lanes) runs on the general loop', () => {
  const p = defineSdde({ dim: 10, drift: { linear: { c: Array(10).fill(1) } }, diffusion: { noise: 'diagonal', g: 0.1 }, history: 0, T: 1, delay: { kind: 'constant', lag: 1_700_000 } });
  const before = emRuns.count;
  const s = solve(p, em, { dt: 0.01, seed: 1, saveAt: { final: true } });
  expect(emRuns.count).toBe(before);
  expect(s.status).toBe('ok');
});

describe('ensembles: the same bits with 1 and 2 threads and with either backend', () => {
  it('an SDDE ensemble stepped 8 paths per kernel call (70 paths, blocks of 32)', async () => {
    const { runEnsemble } = await import('../../src/stats/ensemble.ts');
    const { configEnsemble } = await import('../../src/experiments/ensemble-source.ts');
    const config = { kind: 'sdde', seed: 1, sdde: { dim: 1, drift: { linear: { y: [[-1]] } }, diffusion: { noise: 'diagonal', g: [1] }, history: 1, T: 3, dt: 0.01, delay: { kind: 'constant', lag: 50 }, saveEvery: 30 } };
    const runs: Float64Array[] = [];
    for (const backend of BACKENDS) {
      for (const threads of [1, 2]) {
        process.env.ASGD_SDDE_KERNELS = backend; // worker threads read it
        setKernelBackend(backend);
        try {
          const ens = await runEnsemble(configEnsemble(config, 'sdde'), { paths: 70, seed: 5, keepFinals: true, threads });
          runs.push(ens.series.sdde.finals!);
          expect(ens.threads).toBe(threads);
        } finally {
          delete process.env.ASGD_SDDE_KERNELS;
          setKernelBackend('auto');
        }
      }
    }
    const ref = runs[0];
    // and equal to one generic solve per path
    const p = (await import('../../src/experiments/config.ts')).prepareExperiment(config, 5);
    if (p.kind !== 'sdde') throw new Error('sdde config');
    for (let i = 0; i < 70; i += 23) expect(ref[i]).toBe(solve(p.problem, em, { dt: 0.01, seed: 5, path: i, kernel: 'generic', saveAt: { final: true } }).x[0]);
    for (const r of runs) expect(fingerprint(r)).toBe(fingerprint(ref));
  });
});

it('where WebAssembly SIMD is missing the TypeScript fallback is chosen by itself, with the same bits (built package, plain node)', async () => {
  const { execFileSync } = await import('node:child_process');
  const dist = new URL('../../dist/index.js', import.meta.url).href;
  // an engine without SIMD fails to validate the module; without WebAssembly at all likewise
  const script = (prelude: string) => `${prelude}
const m = await import(${JSON.stringify(dist)});
const p = m.defineSdde({ dim: 1, drift: { linear: { y: [[-1]] } }, diffusion: { noise: 'diagonal', g: 1 }, history: 1, T: 5, delay: { kind: 'constant', lag: 30 } });
const s = m.solve(p, new m.EulerMaruyama(), { dt: 0.01, seed: 4 });
console.log(JSON.stringify({ backend: m.kernelBackend(), x: Array.from(s.x) }));`;
  const run = (prelude: string) => JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script(prelude)], { encoding: 'utf8' })) as { backend: string; x: number[] };
  const withSimd = run('');
  const noSimd = run('WebAssembly.validate = () => false;');
  const noWasm = run('delete globalThis.WebAssembly;');
  expect(withSimd.backend).toBe('wasm-simd');
  expect(noSimd.backend).toBe('typescript');
  expect(noWasm.backend).toBe('typescript');
  expect(noSimd.x).toEqual(withSimd.x);
  expect(noWasm.x).toEqual(withSimd.x);
});

describe('whole ASGD iterations in the kernel ≡ the runner’s loop (least squares, logistic regression)', () => {
  const ls = generatedLeastSquares({ n: 400, d: 13, seed: 7 });
  const lr = generatedLogistic({ n: 300, d: 9, l2: 0.05, seed: 8 });
  const cases: [string, Parameters<typeof runAsgd>[0], Parameters<typeof runAsgd>[1]][] = [
    ['least squares, uniform delays, clip, every 7th', { objective: ls, x0: 0.5, eta: 0.02, iterations: 700, batchSize: 5, delay: { kind: 'uniform', max: 12 } }, { seed: 3, saveAt: { every: 7 }, recordDelays: true, recordBatches: true }],
    ['least squares, geometric delays, history, inverse schedule, without replacement', { objective: ls, x0: 1, eta: 0.05, iterations: 600, batchSize: 9, sampling: 'without-replacement', delay: { kind: 'geometric', p: 0.1, maxLag: 300 }, beforeHistory: 'history', history: Array.from({ length: 13 }, (_, i) => Math.cos(i)), schedule: { kind: 'inverse' } }, { seed: 4, recordDelays: true }],
    ['least squares, warmup, constant lag 20, staleness-adaptive step', { objective: ls, x0: -1, eta: 0.03, iterations: 500, batchSize: 4, delay: { kind: 'constant', lag: 20 }, beforeHistory: 'warmup', stepScale: (l) => 1 / (1 + l) }, { seed: 5, saveAt: { times: [0, 19, 20, 21, 499] } }],
    ['least squares, diverging', { objective: ls, x0: 0, eta: 40, iterations: 900, batchSize: 3, delay: { kind: 'uniform', max: 4 } }, { seed: 6, recordDelays: true, recordBatches: true }],
    ['logistic, poisson delays, clip', { objective: lr, x0: 0, eta: 0.5, iterations: 800, batchSize: 16, delay: { kind: 'poisson', lambda: 3, maxLag: 10 } }, { seed: 7, saveAt: { every: 50 }, recordDelays: true }],
    ['logistic, one example per batch, final only', { objective: lr, x0: 2, eta: 0.2, iterations: 1000, batchSize: 1 }, { seed: 8, saveAt: { final: true } }],
  ];
  for (const [name, spec, opts] of cases) {
    it(name, () => {
      const generic = under('typescript', () => runAsgd(spec, opts));
      const before = asgdRuns.count;
      const wasm = runAsgd(spec, opts);
      expect(asgdRuns.count, 'the kernel ran').toBe(before + 1);
      const pick = (r: ReturnType<typeof runAsgd>) => ({ ...r, k: Array.from(r.k), x: Array.from(r.x), F: Array.from(r.F), delays: r.delays && Array.from(r.delays), batches: r.batches && Array.from(r.batches) });
      expect(pick(wasm), `fingerprints ${fingerprint(wasm.x, wasm.F)} vs ${fingerprint(generic.x, generic.F)}`).toEqual(pick(generic));
      if (name.endsWith('diverging')) expect(wasm.status).toBe('diverged');
    });
  }
  it('a per-step observer runs the runner’s own loop (the kernel has no hook)', () => {
    let calls = 0;
    runAsgd({ objective: ls, x0: 0, eta: 0.01, iterations: 50, batchSize: 2 }, { seed: 0, onStep: () => void calls++ });
    expect(calls).toBe(50);
  });
});
