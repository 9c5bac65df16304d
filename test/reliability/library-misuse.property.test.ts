/**
 * The library used wrongly (issue 14, item 10) and valid input that was refused (item 9).
 *
 * Misuse is refused with a ConfigError naming what is wrong — never a TypeError or RangeError
 * from deep inside, and never silent garbage: a coefficient that returns its value instead of
 * writing `out` (which ran as zero), objectives with n = 0 or NaN, F(x0) = NaN (which ran to status
 * "ok"), `solve(P, null, …)`, dimension −1, a covariance beyond the double range. fast-check (fixed
 * seed) then throws garbage at every public entry point: each call returns or throws a ConfigError.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index.ts';
import { main } from '../../src/cli/main.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { configError } from '../helpers/config-error.ts';

const problemSpec = (drift: unknown, extra: Record<string, unknown> = {}) => ({ dim: 1, drift, diffusion: { noise: 'diagonal', g: 0.3 }, history: 1, T: 1, delay: { kind: 'constant', lag: 2 }, ...extra }) as never;

describe('misuse named by a ConfigError (item 10)', () => {
  it('a drift that returns its value instead of writing out is refused naming problem.drift; one that writes (and returns) runs', () => {
    const e = configError(() => L.defineSdde(problemSpec((_t: number, _x: Float64Array, y: Float64Array) => -y[0])), 'returning drift');
    expect(e.field).toBe('problem.drift');
    expect(e.reason).toContain('wrote nothing into out');
    const g = configError(() => L.defineSdde(problemSpec((_t: number, _x: Float64Array, y: Float64Array, out: Float64Array) => void (out[0] = -y[0]), { diffusion: { noise: 'diagonal', g: (_t: number, x: Float64Array) => 0.3 * x[0] } })), 'returning diffusion');
    expect(g.field).toBe('problem.diffusion.g');
    // an arrow whose body is the assignment writes out and returns the value: valid, and the same path as a block body
    const expression = L.defineSdde(problemSpec((_t: number, _x: Float64Array, y: Float64Array, out: Float64Array) => (out[0] = -y[0])));
    const block = L.defineSdde(problemSpec((_t: number, _x: Float64Array, y: Float64Array, out: Float64Array) => { out[0] = -y[0]; }));
    const a = L.solve(expression, new L.EulerMaruyama(), { dt: 0.01, seed: 3 });
    const b = L.solve(block, new L.EulerMaruyama(), { dt: 0.01, seed: 3 });
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    // and a drift that writes nothing on purpose (dX = g dB) is not misuse
    expect(() => L.defineSdde(problemSpec(() => {}))).not.toThrow();
  });
  it('objectives with n = 0 or NaN, F(x0) = NaN, or a gradient that returns instead of writing: refused naming the field', () => {
    const toy = L.toyObjective();
    const spec = (objective: unknown) => ({ objective, x0: 1, eta: 0.01, iterations: 10, batchSize: 1 }) as never;
    for (const [patch, field] of [
      [{ n: 0 }, 'asgd.objective.n'],
      [{ n: NaN }, 'asgd.objective.n'],
      [{ n: 2.5 }, 'asgd.objective.n'],
      [{ dim: -1 }, 'asgd.objective.dim'],
      [{ value: () => NaN }, 'asgd.objective.value'],
      [{ value: () => Infinity }, 'asgd.objective.value'],
      [{ componentGradient: (_i: number, x: Float64Array) => 2 * x[0] }, 'asgd.objective.componentGradient'],
      [{ gradient: undefined }, 'asgd.objective.gradient'],
    ] as const) {
      const broken = { ...toy, minimizer: toy.minimizer, ...patch };
      expect(configError(() => L.asgdConfig(spec(broken)), JSON.stringify(patch)).field).toBe(field);
      expect(configError(() => L.runAsgd(spec(broken)), JSON.stringify(patch)).field).toBe(field);
    }
  });
  it('solve(P, null, …), solve(null, …), dimension −1, a covariance beyond the double range', () => {
    const P = L.defineSdde(problemSpec((_t: number, _x: Float64Array, y: Float64Array, out: Float64Array) => void (out[0] = -y[0])));
    expect(configError(() => L.solve(P, null as never, { dt: 0.1 }), 'solve(P, null)').field).toBe('algorithm');
    expect(configError(() => L.solve(P, {} as never, { dt: 0.1 }), 'solve(P, {})').field).toBe('algorithm');
    expect(configError(() => L.solve(null as never, new L.EulerMaruyama(), { dt: 0.1 }), 'solve(null)').field).toBe('problem');
    expect(configError(() => L.defineSdde(problemSpec(() => {}, { dim: -1 })), 'dim −1').field).toBe('problem.dim');
    expect(configError(() => L.brownianPath(1, 0, -1, 10, 0.1), 'brownianPath dim −1').field).toBe('dim');
    expect(configError(() => new L.GaussianIncrements(L.deriveEngine(1, 'brownian', 0), -1), 'GaussianIncrements dim −1').field).toBe('dim');
    expect(configError(() => L.covarianceFactor(Float64Array.of(1e308, 1e308, 1e308, 1e308), 2, 'S'), 'covariance 1e308').reason).toContain('beyond the double range');
    const cfg = L.asgdConfig({ objective: L.generatedLeastSquares({ n: 20, d: 2, seed: 1 }), x0: 0, eta: 0.01, iterations: 10, batchSize: 1 });
    expect(configError(() => L.runPair(cfg, { coupling: 'independent', sigma: { covariance: [[1e308, 1e308], [1e308, 1e308]] } }), 'runPair covariance 1e308').field).toBe('bridge.sigma.covariance');
    expect(configError(() => L.runPair({ ...cfg } as never, { coupling: 'independent' }), 'runPair of an unvalidated config').field).toBe('cfg');
  });
});

describe('garbage at every public entry point: a result or a ConfigError, nothing else', () => {
  const P = L.defineSdde(problemSpec((_t: number, _x: Float64Array, y: Float64Array, out: Float64Array) => void (out[0] = -y[0])));
  const cfg = L.asgdConfig({ objective: L.toyObjective(), x0: 1, eta: 0.01, iterations: 10, batchSize: 1 });
  const entries: [string, (v: unknown) => unknown][] = [
    ['defineSdde(v)', (v) => L.defineSdde(v as never)],
    ['defineSdde({dim: v})', (v) => L.defineSdde(problemSpec(() => {}, { dim: v }))],
    ['defineSdde({drift: v})', (v) => L.defineSdde(problemSpec(v))],
    ['defineSdde({history: v})', (v) => L.defineSdde(problemSpec(() => {}, { history: v }))],
    ['solve(v, EM, …)', (v) => L.solve(v as never, new L.EulerMaruyama(), { dt: 0.1 })],
    ['solve(P, v, …)', (v) => L.solve(P, v as never, { dt: 0.1 })],
    ['solve(P, EM, v)', (v) => L.solve(P, new L.EulerMaruyama(), v as never)],
    ['brownianPath(1, 0, v, 10, 0.1)', (v) => L.brownianPath(1, 0, v as never, 10, 0.1)],
    ['brownianPath(1, 0, 1, v, 0.1)', (v) => L.brownianPath(1, 0, 1, v as never, 0.1)],
    ['coarsenIncrements(·, 1, v)', (v) => L.coarsenIncrements(new Float64Array(4), 1, v as never)],
    ['new GaussianIncrements(·, v)', (v) => new L.GaussianIncrements(L.deriveEngine(1, 'brownian', 0), v as never)],
    ['deriveEngine(v, …)', (v) => L.deriveEngine(v as never, 'brownian', 0)],
    ['delayModel(v)', (v) => L.delayModel(v as never)],
    ['asgdConfig(v)', (v) => L.asgdConfig(v as never)],
    ['asgdConfig({objective: v})', (v) => L.asgdConfig({ objective: v, x0: 1, eta: 0.01, iterations: 10, batchSize: 1 } as never)],
    ['runAsgd(v)', (v) => L.runAsgd(v as never)],
    ['runAsgd(cfg, v)', (v) => L.runAsgd(cfg, v as never)],
    ['runPair(v, …)', (v) => L.runPair(v as never, { coupling: 'independent' })],
    ['runPair(cfg, v)', (v) => L.runPair(cfg, v as never)],
    ['sddeFromAsgd(cfg, v)', (v) => L.sddeFromAsgd(cfg, v as never)],
    ['generatedLeastSquares(v)', (v) => L.generatedLeastSquares(v as never)],
    ['generatedLeastSquares({n: v, d: 2})', (v) => L.generatedLeastSquares({ n: v, d: 2 } as never)],
    ['leastSquaresObjective(v)', (v) => L.leastSquaresObjective(v as never)],
    ['generatedLogistic(v)', (v) => L.generatedLogistic(v as never)],
    ['expressionObjective(v)', (v) => L.expressionObjective(v as never)],
    ['expressionObjective({variables, components: v})', (v) => L.expressionObjective({ variables: ['x'], components: v } as never)],
    ['covarianceFactor(v, 2, S)', (v) => L.covarianceFactor(v as never, 2, 'S')],
    ['covarianceFactor(·, v, S)', (v) => L.covarianceFactor(new Float64Array(4), v as never, 'S')],
    ['schedule(v)', (v) => L.schedule(v as never)],
    ['optimizer(v, 2)', (v) => L.optimizer(v as never, 2)],
    ['adaptiveStep(v, 0.1)', (v) => L.adaptiveStep(v as never, 0.1)],
    ['simulateStaleness(v)', (v) => L.simulateStaleness(v as never)],
    ['runParameterServer(v)', (v) => L.runParameterServer(v as never, { seed: 1 })],
    ['prepareExperiment(v)', (v) => L.prepareExperiment(v)],
    ['fitStalenessModels(v, 4)', (v) => L.fitStalenessModels(v as never, 4)],
    ['wasserstein1(v, [1])', (v) => L.wasserstein1(v as never, [1])],
    ['lambertW(v)', (v) => L.lambertW(v as never)],
    ['prepareClaim(v)', (v) => L.prepareClaim(v)],
  ];
  const garbage = fc.oneof(
    fc.constantFrom(undefined, null, -1, 0, NaN, Infinity, -Infinity, 1.5, 2 ** 60, '', 'x', true, {}, [], [[]], [NaN], () => 1, () => {}, new Float64Array(3), { kind: 'constant' }, { dim: -1 }),
    fc.anything({ maxDepth: 2, maxKeys: 4, withNullPrototype: true }),
  );
  it('property over entry points × garbage', () => {
    fc.assert(
      fc.property(fc.constantFrom(...entries), garbage, ([name, call], v) => {
        try {
          call(v);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw new Error(`${name} with ${String(typeof v === 'object' ? JSON.stringify(v) : v)?.slice(0, 100)} threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
        }
      }),
      { seed: 14_10, numRuns: 1500 },
    );
  });
});

describe('valid input accepted (item 9): a numeric full diffusion with m ≠ d', () => {
  it('"g": [[1, 0, 0.5], [0, 1, 0.5]] (d = 2, m = 3) runs, and equals the same matrix written as expressions', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-fullg-'));
    const config = (g: unknown) => ({ kind: 'sdde', seed: 4, sdde: { dim: 2, drift: ['-x1 + 0.5*y2', '-x2'], diffusion: { noise: 'full', g }, history: 1, T: 2, dt: 0.01, delay: { kind: 'constant', tau: 0.1 } } });
    writeFileSync(join(d, 'numbers.json'), JSON.stringify(config([[1, 0, 0.5], [0, 1, 0.5]])));
    writeFileSync(join(d, 'strings.json'), JSON.stringify(config([['1', '0', '0.5'], ['0', '1', '0.5']])));
    let err = '';
    for (const f of ['numbers', 'strings']) expect(await main(['run', join(d, `${f}.json`), '--out', join(d, f), '--no-png'], { out: () => {}, err: (s) => void (err += s) }), err).toBe(0);
    // the expression version (evaluated by mathjs, a separate code path) is the reference
    expect(readFileSync(join(d, 'numbers', 'paths.csv'), 'utf8')).toBe(readFileSync(join(d, 'strings', 'paths.csv'), 'utf8'));
  });
  it('in the library: a constant d × m matrix without noiseDim has m = its row length; a mismatched noiseDim is still refused', () => {
    const P = L.defineSdde({ dim: 2, drift: (_t, x, _y, out) => { out[0] = -x[0]; out[1] = -x[1]; }, diffusion: { noise: 'full', g: [[1, 0, 0.5], [0, 1, 0.5]] }, history: 0, T: 1 });
    expect(P.diffusion.noiseDim).toBe(3);
    expect(Array.from(P.diffusion.constant!)).toEqual([1, 0, 0.5, 0, 1, 0.5]);
    expect(configError(() => L.defineSdde({ dim: 2, drift: () => {}, diffusion: { noise: 'full', noiseDim: 2, g: [[1, 0, 0.5], [0, 1, 0.5]] }, history: 0, T: 1 }), 'noiseDim 2').field).toBe('problem.diffusion.g[0]');
    expect(configError(() => L.defineSdde({ dim: 2, drift: () => {}, diffusion: { noise: 'full', g: [[1, 0, 0.5], [0, 1]] }, history: 0, T: 1 }), 'ragged').field).toBe('problem.diffusion.g[1]');
  });
});
