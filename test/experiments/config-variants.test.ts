/**
 * JSON configs for the issue-12 options: several and per-coordinate delays with their expression
 * names, history interpolation, the algorithm, events; the runner's read, sparse and compensation
 * fields. Expected values: the same problem written as TypeScript functions (the expression
 * names must bind to the right entries of xLag), and refusals that name the field.
 */
import { describe, expect, it } from 'vitest';
import { prepareExperiment } from '../../src/experiments/config.ts';
import { EulerMaruyama } from '../../src/sdde/algorithms/euler-maruyama.ts';
import { defineSdde } from '../../src/sdde/problem.ts';
import { solve } from '../../src/sdde/solve.ts';
import { configEnsemble } from '../../src/experiments/ensemble-source.ts';
import { runEnsemble } from '../../src/stats/ensemble.ts';
import { configError } from '../helpers/config-error.ts';

const sdde = (over: Record<string, unknown> = {}) => ({
  kind: 'sdde',
  seed: 3,
  sdde: {
    dim: 2,
    drift: ['-y1_1 + 0.5*y2_2', '-y2_1 - 0.5*y1_2'],
    diffusion: { noise: 'diagonal', g: ['0.3*x1', '0.3*x2'] },
    history: [1, 0],
    T: 2,
    dt: 0.01,
    delay: { kind: 'several', delays: [{ kind: 'constant', tau: 0.5 }, { kind: 'constant', tau: 0.375 }] },
    interpolation: 'linear',
    ...over,
  },
});

describe('sdde configs', () => {
  it('y{i}_{q} is coordinate i of the q-th delayed state: the expression solve equals the function solve', () => {
    const p = prepareExperiment(sdde());
    if (p.kind !== 'sdde') throw new Error('kind');
    const a = solve(p.problem, p.algorithm, { dt: p.dt, seed: 3, interpolation: p.interpolation });
    const fn = defineSdde({
      dim: 2,
      drift: (_t, _x, y, o) => {
        o[0] = -y[0] + 0.5 * y[3];
        o[1] = -y[1] - 0.5 * y[2];
      },
      diffusion: { noise: 'diagonal', g: (_t, x, _y, o) => { o[0] = 0.3 * x[0]; o[1] = 0.3 * x[1]; } },
      history: [1, 0],
      T: 2,
      delay: { kind: 'several', delays: [{ kind: 'constant', tau: 0.5 }, { kind: 'constant', tau: 0.375 }] },
    });
    const b = solve(fn, new EulerMaruyama(), { dt: 0.01, seed: 3, interpolation: 'linear' });
    for (let i = 0; i < a.x.length; i++) expect(a.x[i]).toBeCloseTo(b.x[i], 12);
  });

  it('per-coordinate delays in JSON; Milstein and events parse', () => {
    const p = prepareExperiment(sdde({ drift: ['-y1', '-y2'], delay: { kind: 'per-coordinate', delays: [{ kind: 'constant', tau: 0.2 }, { kind: 'random', model: { kind: 'uniform', max: 5 } }] }, interpolation: 'grid', algorithm: { kind: 'milstein', substeps: 4 }, events: [{ condition: 'x1^2 + x2^2 - 0.5', direction: 'down' }] }));
    if (p.kind !== 'sdde') throw new Error('kind');
    expect(p.problem.delay.kind).toBe('per-coordinate');
    expect(p.algorithm.name).toBe('Milstein');
    const s = solve(p.problem, p.algorithm, { dt: p.dt, seed: 1, events: p.events });
    // the parsed event really stops the run where x1² + x2² crosses 0.5 downwards: the stopping
    // state (linear interpolation in the step, root in σ to 10⁻¹³) satisfies the condition to
    // |∂c/∂σ|·10⁻¹³ ≤ 2‖x‖‖ΔX‖·10⁻¹³ < 10⁻¹², inside its step, and the last saved state before it
    // is still above the level
    expect(s.status).toBe('terminated');
    const stop = s.terminated!;
    expect(Math.abs(stop.x[0] ** 2 + stop.x[1] ** 2 - 0.5)).toBeLessThan(1e-12);
    expect(stop.t).toBeGreaterThan(stop.step * p.dt - 1e-12);
    expect(stop.t).toBeLessThanOrEqual((stop.step + 1) * p.dt + 1e-12);
    const last = s.x.length - 2;
    expect(s.x[last] ** 2 + s.x[last + 1] ** 2).toBeGreaterThan(0.5);
  });

  it('refuses bad values naming the field, before any work', () => {
    expect(configError(() => prepareExperiment(sdde({ interpolation: 'cubic' })), 'interp').field).toBe('sdde.interpolation');
    expect(configError(() => prepareExperiment(sdde({ interpolation: 'grid' })), 'off grid').field).toBe('sdde.delay.delays[1].tau');
    expect(configError(() => prepareExperiment(sdde({ algorithm: 'heun' })), 'alg').field).toBe('sdde.algorithm');
    expect(configError(() => prepareExperiment(sdde({ algorithm: { kind: 'milstein', substeps: 0 } })), 'substeps').field).toBe('sdde.algorithm.substeps');
    // Milstein refuses a diffusion of the delayed state read between grid points
    expect(configError(() => prepareExperiment(sdde({ algorithm: 'milstein', diffusion: { noise: 'diagonal', g: ['0.3*y1_2', '0.3*y2_2'] } })), 'milstein').field).toBe('sdde.interpolation');
    expect(configError(() => prepareExperiment(sdde({ algorithm: 'milstein', diffusion: { noise: 'full', g: [['x1', '0'], ['0', 'x2']] } })), 'full').field).toBe('sdde.diffusion');
    expect(configError(() => prepareExperiment(sdde({ drift: ['-y1', '-y2'] })), 'names').field).toBe('sdde.drift[0]');
    expect(configError(() => prepareExperiment(sdde({ events: [{ condition: 'y1' }] })), 'event vars').field).toBe('sdde.events[0].condition');
    expect(configError(() => prepareExperiment(sdde({ delay: { kind: 'many' } })), 'kind').field).toBe('sdde.delay.kind');
  });

  it('an ensemble of a config with events is refused (it keeps whole paths)', async () => {
    await expect(runEnsemble(configEnsemble(sdde({ events: [{ condition: 'x1' }] }), 'sdde'), { paths: 4, seed: 1, threads: 1 })).rejects.toThrow(/sdde\.events/);
  });
});

describe('asgd configs', () => {
  const asgd = (over: Record<string, unknown>) => ({ kind: 'asgd', seed: 1, asgd: { objective: { kind: 'least-squares', n: 50, d: 4, seed: 1 }, x0: 0, eta: 0.01, iterations: 10, batchSize: 2, delay: { kind: 'uniform', max: 3 }, ...over } });
  it('read, sparse and compensation are validated by field', () => {
    const p = prepareExperiment(asgd({ read: 'inconsistent', sparse: { coordinates: 2 }, compensation: { kind: 'dc-asgd', lambda: 0.5, meanSquare: 0.95 } }));
    if (p.kind !== 'asgd') throw new Error('kind');
    expect(p.asgd.coordinateDelays!.length).toBe(4);
    expect(p.asgd.sparse).toEqual({ coordinates: 2, rescale: true });
    expect(configError(() => prepareExperiment(asgd({ read: 'partial' })), 'read').field).toBe('asgd.read');
    expect(configError(() => prepareExperiment(asgd({ sparse: { coordinates: 0 } })), 'sparse').field).toBe('asgd.sparse.coordinates');
    expect(configError(() => prepareExperiment(asgd({ sparse: { coordinates: 2, rescale: 'yes' } })), 'rescale').field).toBe('asgd.sparse.rescale');
    expect(configError(() => prepareExperiment(asgd({ compensation: { kind: 'dc-asgd', lambda: 'big' } })), 'lambda').field).toBe('asgd.compensation.lambda');
    expect(configError(() => prepareExperiment(asgd({ compensation: { kind: 'dc-asgd', lambda: 1, extra: 1 } })), 'unknown').field).toBe('asgd.compensation.extra');
  });
});
