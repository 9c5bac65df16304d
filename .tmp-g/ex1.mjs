import { formatTable, runClaim } from 'asgd-sdde';

// Koloskova, Stich & Jaggi (2022): iterations to ε grow like √(τmax·τavg)/ε at a step ∝ 1/√(τmax·τavg).
// Constant delay l: τmax = τavg = l, step η = 1/(8l); claimed exponent in l at most 1.
const lags = [2, 4, 8, 16];
const claim = {
  name: 'Koloskova, Stich & Jaggi 2022 (delay term)',
  source: 'NeurIPS 2022, arXiv:2206.08307, abstract: O(σ²ε⁻² + √(τmax τavg) ε⁻¹)',
  quantity: 'iterations until E‖x_k − x*‖² ≤ 0.5',
  kind: 'scaling',
  scaling: { parameter: 'lag', exponent: 1, relation: 'at-most' },
  experiment: {
    kind: 'sweep',
    sweep: {
      base: { kind: 'asgd', asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.01, iterations: 1500, batchSize: 1, delay: { kind: 'constant', lag: 1 } } },
      grid: { 'asgd.delay.lag,asgd.eta': lags.map((l) => [l, 1 / (8 * l)]) },
      metric: 'time-to-eps',
      eps: 0.5,
      paths: 400,
      seed: 7,
    },
  },
  labels: { lag: 'delay l (steps)' },
};

const result = await runClaim(claim);
const row = result.rows[0];
console.log(row.verdict.label);
console.log(row.measured);
for (const p of result.data.points) console.log(`l = ${p.params.lag}: ${p.value.toFixed(1)} ± ${(1.96 * p.se).toFixed(1)}`);
