// (b) A strict TypeScript consumer (NodeNext, strict, noUncheckedIndexedAccess), compiled with tsc
// and run with node. Gradient descent on the toy objective F(x) = ½(x+1)² + ½(x−1)² through the
// public ASGD runner: with b = n = 2 without replacement every step uses the full gradient
// ∇F(x) = 2x, and with a constant lag l the recursion is x_{k+1} = x_k − 2η x_{k−l} (clip policy:
// lag min(l, k)). The test compares the saved iterates with that recursion, written out there.
import { asgdConfig, type AsgdResult, ConfigError, runAsgd, toyObjective } from 'asgd-sdde';

const eta = 0.01;
const lag: number = Number(process.argv[2] ?? 0);
const config = asgdConfig({
  objective: toyObjective(),
  x0: 4,
  eta,
  iterations: 200,
  batchSize: 2,
  sampling: 'without-replacement',
  delay: { kind: 'constant', lag },
  beforeHistory: 'clip',
});
const result: AsgdResult = runAsgd(config, { seed: 5 });
const iterates: number[] = Array.from(result.x);
const last: number | undefined = iterates[iterates.length - 1];

let refused = '';
try {
  asgdConfig({ objective: toyObjective(), x0: 4, eta: -1, iterations: 10, batchSize: 1 });
} catch (e) {
  if (e instanceof ConfigError) refused = e.message;
}
console.log(JSON.stringify({ status: result.status, k: Array.from(result.k), x: iterates, last, refused }));
