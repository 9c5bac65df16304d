/**
 * The Euler–Maruyama kernels (src/kernels/, WebAssembly SIMD or their TypeScript fallback) are an
 * optimization only: for every problem they accept, the output must be bit-identical to the
 * general loop's (same draws, same arithmetic order). test/kernels/backends.test.ts covers many
 * more cases under both backends.
 */
import { describe, expect, it } from 'vitest';
import { EulerMaruyama } from '../../src/sdde/algorithms/euler-maruyama.ts';
import { defineSdde, type SddeSpec } from '../../src/sdde/problem.ts';
import { solve, type SolveOptions } from '../../src/sdde/solve.ts';

const em = new EulerMaruyama();
const cases: [string, SddeSpec, Partial<SolveOptions>][] = [
  ['dX = −X(t−1)dt + dB, history', { dim: 1, drift: { linear: { y: [[-1]] } }, diffusion: { noise: 'diagonal', g: 1 }, history: 1, T: 5, delay: { kind: 'constant', tau: 1 } }, {}],
  ['all terms, clip', { dim: 1, drift: { linear: { x: [[-0.3]], y: [[-0.8]], c: [0.2] } }, diffusion: { noise: 'scalar', g: [0.5] }, history: 2, T: 3, delay: { kind: 'constant', lag: 40 }, beforeHistory: 'clip' }, { recordDelays: true }],
  ['warmup, sampled history', { dim: 1, drift: { linear: { y: [[-2]] } }, diffusion: { noise: 'diagonal', g: 0.1 }, history: { times: [-1, 0], values: [[3], [1]] }, T: 2, delay: { kind: 'constant', lag: 100 }, beforeHistory: 'warmup' }, { saveAt: { every: 7 } }],
  ['function history, saved times', { dim: 1, drift: { linear: { x: [[-1]], c: [1] } }, diffusion: { noise: 'diagonal', g: 0.2 }, history: (s, out) => void (out[0] = Math.cos(s)), T: 2, delay: { kind: 'constant', lag: 25 } }, { saveAt: { times: [0.5, 1, 1.5] } }],
  ['no delay', { dim: 1, drift: { linear: { x: [[-1]] } }, diffusion: { noise: 'diagonal', g: 1 }, history: 0, T: 1 }, { saveAt: { final: true } }],
  ['diverging', { dim: 1, drift: { linear: { x: [[400]] } }, diffusion: { noise: 'diagonal', g: 1 }, history: 1, T: 100, delay: { kind: 'constant', lag: 3 } }, { recordDelays: true }],
];

describe('Euler–Maruyama kernels ≡ general loop', () => {
  for (const [name, spec, opts] of cases) {
    it(name, () => {
      const p = defineSdde(spec);
      const a = solve(p, em, { dt: 0.01, seed: 3, ...opts });
      const b = solve(p, em, { dt: 0.01, seed: 3, ...opts, kernel: 'generic' });
      expect(a.x).toEqual(b.x);
      expect(a.t).toEqual(b.t);
      expect(a.status).toBe(b.status);
      expect(a.divergence).toEqual(b.divergence);
      expect(a.delays).toEqual(b.delays);
    });
  }
});
