/**
 * Misuse that must not compile (checked by test/types/entry-points.test.ts, which compiles this
 * file with tsc: every `@ts-expect-error` must meet an error, and without the directives each
 * marked line must give one). Also compiled by the project's own `tsc --noEmit`.
 */
import { adaptiveStep } from '../../src/asgd/adaptive-step.ts';
import { delayModel } from '../../src/delay/models.ts';
import { EulerMaruyama } from '../../src/sdde/algorithms/euler-maruyama.ts';
import { defineSdde } from '../../src/sdde/problem.ts';
import { solve } from '../../src/sdde/solve.ts';
import { runEnsemble, sddeModel } from '../../src/stats/ensemble.ts';
import { runSweep } from '../../src/sweep/run.ts';
import type { PointResult } from '../../src/sweep/sweep.ts';
import type { ObjectiveSpec } from '../../src/asgd/objectives/spec.ts';

const problem = defineSdde({ dim: 1, drift: { linear: { x: [[-1]] } }, diffusion: { noise: 'diagonal', g: 0.5 }, history: 1, T: 1 });
const base = { kind: 'asgd' as const, asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.01, iterations: 100, batchSize: 1 } };

export async function misuse(row: PointResult): Promise<void> {
  // @ts-expect-error MISUSE a number is not a sweep
  await runSweep(42);
  // @ts-expect-error MISUSE a misspelt key (metirc) and the metric missing
  await runSweep({ base, grid: { 'asgd.eta': [0.01] }, metirc: 'final-loss', paths: 10 });
  // @ts-expect-error MISUSE an unknown metric
  await runSweep({ base, grid: { 'asgd.eta': [0.01] }, metric: 'final-los', paths: 10 });
  // @ts-expect-error MISUSE a base of an unknown kind
  await runSweep({ base: { kind: 'asdg', asgd: {} }, grid: { 'asgd.eta': [0.01] }, metric: 'final-loss', paths: 10 });
  // @ts-expect-error MISUSE grid values that are not JSON
  await runSweep({ base, grid: { 'asgd.eta': [() => 0.01] }, metric: 'final-loss', paths: 10 });
  // @ts-expect-error MISUSE an adaptive step of an unknown kind
  adaptiveStep({ kind: 'geometrc', C: 1, p: 0.5 }, 0.1);
  // @ts-expect-error MISUSE a geometric step without p
  adaptiveStep({ kind: 'geometric', C: 1 }, 0.1);
  // @ts-expect-error MISUSE a misspelt field of a delay model
  delayModel({ kind: 'geometric', p: 0.5, maxlag: 3 });
  // @ts-expect-error MISUSE a delay model of an unknown kind
  delayModel({ kind: 'binomial', n: 3 });
  // @ts-expect-error MISUSE a misspelt sddeModel option
  sddeModel({ problem, dt: 0.01, saveEvry: 10 });
  // @ts-expect-error MISUSE a misspelt solve option
  solve(problem, new EulerMaruyama(), { dt: 0.1, sed: 1 });
  // @ts-expect-error MISUSE quantiles are numbers
  await runEnsemble({ problem, dt: 0.01 }, { paths: 10, quantiles: ['median'] });
  // @ts-expect-error MISUSE a misspelt field of a CNN objective spec (chanels)
  const cnn: ObjectiveSpec = { kind: 'cnn', n: 10, size: 12, classes: 2, chanels: [2, 2] };
  // @ts-expect-error MISUSE CNN channels are a pair [c1, c2]
  const cnn3: ObjectiveSpec = { kind: 'mnist', model: 'cnn', channels: [2, 4, 8] };
  void cnn, cnn3;
  // @ts-expect-error MISUSE a sweep row's values are JSON, not functions
  const f: () => void = row.values[0];
  void f;
}

/** The right shapes compile. */
export async function use(row: PointResult): Promise<void> {
  await runSweep({ base, grid: { 'asgd.eta': [0.01, 0.02], 'asgd.batchSize': [1, 2] }, metric: 'final-loss', paths: 10, seed: 1 });
  adaptiveStep({ kind: 'geometric', C: 1, p: 0.5 }, 0.1);
  delayModel({ kind: 'geometric', p: 0.5, maxLag: 3 });
  sddeModel({ problem, dt: 0.01, saveEvery: 10 });
  sddeModel(problem, { dt: 0.01, saveEvery: 10 });
  const sol = solve(problem, new EulerMaruyama(), { dt: 0.1, seed: 1, dense: true });
  const x: Float64Array = sol.at(0.55);
  const ens = await runEnsemble({ problem, dt: 0.01 }, { paths: 10, quantiles: [0.5], output: (p) => p.series.sdde!.x.length, reduce: (a: number, o: number[]) => a + o.length, reduceInit: 0 });
  const n: number | undefined = ens.reduced;
  const v: number | string | boolean | null | object = row.values[0];
  const cnn: ObjectiveSpec[] = [{ kind: 'cnn', n: 10, size: 12, classes: 2, kernel: 3, channels: [2, 2], hidden: 4 }, { kind: 'mnist', model: 'cnn', digits: [3, 8], kernel: 5, channels: [8, 16] }];
  void x, n, v, cnn;
}
