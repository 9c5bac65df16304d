/**
 * Adam reproduces Aji & Heafield (2019) Table 2 exactly as printed (three decimals): β1 = 0.9,
 * β2 = 0.98, α = 0.001 on the three gradient sequences. Expected values are the paper's table.
 */
import { describe, expect, it } from 'vitest';
import { initialOptimizerState, optimizer, optimizerStateLength } from '../../src/asgd/optimizers.ts';

function trace(gs: number[]) {
  const opt = optimizer({ kind: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.98, eps: 1e-9 }, 1);
  const x = Float64Array.of(0);
  let m = 0;
  let v = 0;
  const rows = { m: [0], v: [0], mh: [0], vh: [0], theta: [0] };
  let thetaRef = 0;
  gs.forEach((g, i) => {
    const t = i + 1;
    m = 0.9 * m + 0.1 * g; // the paper's recursion (Section 3), written here: the table's columns
    v = 0.98 * v + 0.02 * g * g;
    // and the update θ ← θ − α m̂/(√v̂ + ε) from those columns: the optimizer must match it to
    // rounding (the table's 3 decimals alone would not tell β1 from β2)
    thetaRef -= (0.001 * (m / (1 - 0.9 ** t))) / (Math.sqrt(v / (1 - 0.98 ** t)) + 1e-9);
    opt.step(x, Float64Array.of(g));
    expect(x[0], `θ_${t}`).toBeCloseTo(thetaRef, 15);
    rows.m.push(m);
    rows.v.push(v);
    rows.mh.push(m / (1 - 0.9 ** t));
    rows.vh.push(v / (1 - 0.98 ** t));
    rows.theta.push(x[0]);
  });
  return rows;
}
// Aji & Heafield 2019, Table 2 (t = 0 … 6)
const TABLE = {
  constant: { g: [1, 1, 1, 1, 1, 1], m: [0, 0.1, 0.19, 0.271, 0.344, 0.41, 0.469], v: [0, 0.02, 0.04, 0.059, 0.078, 0.096, 0.114], mh: [0, 1, 1, 1, 1, 1, 1], vh: [0, 1, 1, 1, 1, 1, 1], theta: [0, -0.001, -0.002, -0.003, -0.004, -0.005, -0.006] },
  scaled: { g: [0.5, 1.5, 0.5, 1.5, 0.5, 1.5], m: [0, 0.05, 0.195, 0.226, 0.353, 0.368, 0.481], v: [0, 0.005, 0.05, 0.054, 0.098, 0.101, 0.144], mh: [0, 0.5, 1.026, 0.832, 1.026, 0.898, 1.026], vh: [0, 0.25, 1.26, 0.917, 1.26, 1.05, 1.26], theta: [0, -0.001, -0.002, -0.003, -0.004, -0.005, -0.005] },
  'different sign': { g: [-1, 2, -1, 2, -1, 2], m: [0, -0.1, 0.11, -0.001, 0.199, 0.079, 0.271], v: [0, 0.02, 0.1, 0.118, 0.195, 0.211, 0.287], mh: [0, -1, 0.579, -0.004, 0.579, 0.193, 0.579], vh: [0, 1, 2.515, 2, 2.515, 2.2, 2.515], theta: [0, 0.001, 0.001, 0.001, 0.0, 0.0, -0.0] },
};

describe('Adam: Aji & Heafield Table 2', () => {
  for (const [name, row] of Object.entries(TABLE)) {
    it(`${name} gradients`, () => {
      const r = trace(row.g);
      for (const key of ['m', 'v', 'mh', 'vh', 'theta'] as const) {
        r[key].forEach((value, t) => {
          // the table prints three decimals: |value − printed| ≤ 0.0005 (plus rounding slack)
          expect(Math.abs(value - row[key][t]), `${name} ${key} at t = ${t}: ${value} vs ${row[key][t]}`).toBeLessThanOrEqual(0.0005 + 1e-12);
        });
      }
    });
  }
});

describe('optimizers: refusals and the plain cases', () => {
  it('SGD and momentum follow their recursions', () => {
    const x = Float64Array.of(1);
    optimizer({ kind: 'sgd', lr: 0.1 }, 1).step(x, Float64Array.of(2));
    expect(x[0]).toBeCloseTo(0.8, 15);
    const y = Float64Array.of(0);
    const mom = optimizer({ kind: 'momentum', lr: 1, momentum: 0.5 }, 1);
    mom.step(y, Float64Array.of(1));
    mom.step(y, Float64Array.of(1));
    expect(y[0]).toBeCloseTo(-(1 + 1.5), 15);
  });
  it('bad parameters are refused by field', () => {
    for (const [spec, field] of [
      [{ kind: 'adam', lr: 0.001, beta1: 1 }, 'optimizer.beta1'],
      [{ kind: 'adam', lr: -1 }, 'optimizer.lr'],
      [{ kind: 'momentum', lr: 0.1, momentum: 1.2 }, 'optimizer.momentum'],
      [{ kind: 'rmsprop', lr: 0.1 }, 'optimizer.kind'],
    ] as const) {
      expect(() => optimizer(spec, 1)).toThrow(expect.objectContaining({ field }));
    }
  });
  it('state kept in a given array: two instances over one state act as one optimizer (as the real-thread server uses it)', () => {
    // expected: one optimizer stepping the same gradient sequence (the documented recursion is tested above)
    for (const spec of [{ kind: 'momentum', lr: 0.1, momentum: 0.9 }, { kind: 'adam', lr: 0.01 }] as const) {
      const gs = [[1, -2], [0.5, 3], [-1, 1], [2, 2]].map((g) => Float64Array.from(g));
      const one = optimizer(spec, 2);
      const x1 = Float64Array.of(1, -1);
      for (const g of gs) one.step(x1, g);
      const state = initialOptimizerState(spec, 2);
      expect(state.length).toBe(optimizerStateLength(spec, 2));
      const a = optimizer(spec, 2, 'optimizer', state);
      const b = optimizer(spec, 2, 'optimizer', state);
      const x2 = Float64Array.of(1, -1);
      gs.forEach((g, i) => (i % 2 ? b : a).step(x2, g));
      expect(Array.from(x2)).toEqual(Array.from(x1));
    }
    expect(() => optimizer({ kind: 'adam', lr: 0.01 }, 2, 'server.optimizer', new Float64Array(3))).toThrow(expect.objectContaining({ field: 'server.optimizer.state' }));
  });
});
