/**
 * How often the axis coupling's rank PIT meets a tie, per batch size, on the objective of
 * examples/study-least-squares-d20.json (least squares, n = 10⁴, d = 20, noise 0.5, seed 1) with
 * the default M = 65 536 law samples. A measurement, not a test: it explains why the b = 1 points
 * of that study cost ≈ 2.5× the others when every step searched the law. At b = 1 the minibatch
 * noise takes at most n values, so the M samples repeat them and nearly every lookup ties; a tie
 * is counted on the 8-byte samples (the kernel's 16-bit keys cannot separate equal values): a
 * further read into the 10 MB law and a binary search over the rest of the axis for the tie count.
 * The pair kernel now computes those n atoms' ranks once per law and a b = 1 step reads them
 * (src/kernels/assembly/pair.ts axisPairAtoms), so this cost is paid n times, not once a step.
 *
 *   node --import tsx bench/pit-ties.ts
 *
 * For each b: 2000 minibatch noises at x* (a stream of their own), whitened; on each live axis
 * the tie size T = #{samples within the tie tolerance of w}, from the law's empirical CDF.
 */
import { asgdConfig } from '../src/asgd/asgd-config.ts';
import { MinibatchSampler } from '../src/asgd/minibatch.ts';
import { objectiveFromSpec } from '../src/asgd/objectives/spec.ts';
import { AxisNoiseLaw, batchMeanGradient, DEFAULT_LAW_SAMPLES, TIE_TOLERANCE } from '../src/bridge/axis-law.ts';
import { deriveEngine } from '../src/random/streams.ts';

const objective = objectiveFromSpec({ kind: 'least-squares', n: 10_000, d: 20, noise: 0.5, seed: 1 }, 'objective');
const d = objective.dim;
const M = DEFAULT_LAW_SAMPLES;
const xStar = Float64Array.from(objective.minimizer!);
for (const b of [1, 4, 16, 64]) {
  const cfg = asgdConfig({ objective, x0: Array.from(xStar), eta: 1e-4, iterations: 1, batchSize: b });
  const law = new AxisNoiseLaw(cfg, xStar, M, 1);
  const sampler = new MinibatchSampler(objective.n, b, cfg.sampling, deriveEngine(7, 'user', 0));
  const batch = new Int32Array(b);
  const g = new Float64Array(d);
  const tmp = new Float64Array(d);
  const zeta = new Float64Array(d);
  const w = new Float64Array(d);
  let lookups = 0;
  let ties = 0;
  let tied = 0;
  for (let m = 0; m < 2000; m++) {
    sampler.draw(batch);
    batchMeanGradient(cfg, batch, law.point, g, tmp);
    for (let i = 0; i < d; i++) zeta[i] = law.pointGradient[i] - g[i];
    law.project(zeta, w);
    for (let j = 0; j < d; j++) {
      if (law.degenerate[j]) continue;
      // #{s ≤ w + tol} − #{s ≤ w − tol − ε}: the samples within the tolerance (cdf counts s ≤ x)
      const T = Math.round(M * (law.cdf(j, w[j] + TIE_TOLERANCE) - law.cdf(j, w[j] - 2 * TIE_TOLERANCE)));
      lookups++;
      if (T > 0) {
        ties++;
        tied += T;
      }
    }
  }
  const mean = ties > 0 ? `, ${(tied / ties).toFixed(2)} samples each on average` : '';
  console.log(`b = ${b}: ${ties} of ${lookups} lookups tie (${((100 * ties) / lookups).toFixed(1)}%)${mean}`);
}
