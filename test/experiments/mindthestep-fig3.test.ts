/**
 * The MindTheStep Fig. 3 study (src/experiments/mindthestep-fig3*.ts): config validation, the
 * protocol's pieces against independent values (test/fixtures/mindthestep-fig3-protocol.py: scipy's
 * incomplete gamma for Eq. 17, the capped normalisation of Eq. 26 solved in closed form, the delta-
 * method interval with scipy's t quantile), the epochs-to-threshold measure on constructed loss
 * traces, and the simulated study's reproducibility.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { prepareFig3Study, FIG3_SERVERS, FIG3_STUDY_KIND, type Fig3StudyConfig } from '../../src/experiments/mindthestep-fig3-config.ts';
import { fig3StudyArms, FIG3_ARMS, fig3SimulatedRun, fig3Setups, fig3Step, runFig3Study, seededInitialPoint, summarizeFig3Runs } from '../../src/experiments/mindthestep-fig3.ts';
import { censoredMean, epochsToThreshold, speedupRatio } from '../../src/experiments/mindthestep-fig3-stats.ts';
import { fig3Figure, fig3RunsCsv, fig3SummaryCsv, fig3SummaryText, PAPER_SPEEDUP_M32, speedupText } from '../../src/experiments/mindthestep-fig3-report.ts';
import { legendEntryCount } from '../../src/plot/axes.ts';
import { objectiveFromSpec } from '../../src/asgd/objectives/spec.ts';
import { runParameterServer } from '../../src/asgd/parameter-server.ts';
import { runThreadedServer } from '../../src/asgd/threaded-server.ts';
import { cnnInitialPoint, type CnnObjective } from '../../src/asgd/objectives/cnn.ts';

const fx = JSON.parse(readFileSync(new URL('../fixtures/mindthestep-fig3-protocol.json', import.meta.url), 'utf8'));

const tiny: Fig3StudyConfig = {
  kind: 'mindthestep-fig3',
  models: [{ name: 'tiny MLP', objective: { kind: 'mlp', n: 120, d: 4, hidden: 6, classes: 3, l2: 0, seed: 1 }, batchSize: 8, maxEpochs: 6, workers: [2, 4], threadWorkers: [] }],
  alphaC: 0.05,
  threshold: 0.9,
  runs: 2,
  pilotUpdates: 300,
};

const refuses = (raw: unknown, field: string) => {
  try {
    prepareFig3Study(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message.startsWith(field)).toBe(true);
    return;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
};
const withModel = (patch: Record<string, unknown>) => ({ ...tiny, models: [{ ...tiny.models[0], ...patch }] });

describe('Fig. 3 study config', () => {
  it('fills in the paper\'s protocol as defaults', () => {
    const s = prepareFig3Study({ kind: FIG3_STUDY_KIND, models: [{ name: 'a', objective: { kind: 'toy' }, batchSize: 1, maxEpochs: 1 }] });
    // Bäckström et al. 2019, Section VI: αc = 0.01, K = 1, α(τ) ≤ 5αc, τ > 150 dropped, loss ≤ 0.05, 5 runs, m = 2 … 32
    expect([s.alphaC, s.K, s.capMultiple, s.dropAbove, s.threshold, s.runs, s.seed]).toEqual([0.01, 1, 5, 150, 0.05, 5, 1]);
    expect(s.models[0].workers).toEqual([2, 4, 8, 16, 32]);
    expect(s.models[0].threadWorkers).toEqual([2, 4, 8]);
    expect(s.models[0].x0).toBe('seeded');
    expect(prepareFig3Study(tiny, 42).seed).toBe(42);
    expect(FIG3_SERVERS).toEqual(['simulated', 'threads']);
  });
  it('refuses a bad field with a ConfigError naming it', () => {
    refuses({ ...tiny, kind: 'fig3' }, 'kind');
    refuses({ base: {}, grid: {} }, 'kind'); // a sweep config
    expect(() => prepareFig3Study({ base: {}, grid: {} })).toThrow(/sweep command/);
    refuses({ ...tiny, models: [] }, 'models');
    refuses({ ...tiny, extra: 1 }, 'config');
    refuses({ ...tiny, alphaC: 0 }, 'alphaC');
    refuses({ ...tiny, capMultiple: 0.5 }, 'capMultiple');
    refuses({ ...tiny, dropAbove: 1.5 }, 'dropAbove');
    refuses({ ...tiny, threshold: -1 }, 'threshold');
    refuses({ ...tiny, runs: 1 }, 'runs');
    refuses({ ...tiny, computeTime: { kind: 'normal', mean: 1, sd: -1 } }, 'computeTime');
    refuses({ ...tiny, seed: -2 }, 'seed');
    refuses(withModel({ name: '' }), 'models[0].name');
    refuses(withModel({ name: 'a,b' }), 'models[0].name');
    refuses({ ...tiny, models: [tiny.models[0], tiny.models[0]] }, 'models[1].name');
    refuses(withModel({ objective: 'mlp' }), 'models[0].objective');
    refuses(withModel({ objective: { kind: 'expression', variables: ['x'], expression: 'x^2' } }), 'models[0].objective.kind');
    refuses(withModel({ x0: 'random' }), 'models[0].x0');
    refuses(withModel({ batchSize: 0 }), 'models[0].batchSize');
    refuses(withModel({ maxEpochs: 2.5 }), 'models[0].maxEpochs');
    refuses(withModel({ workers: [2, 2] }), 'models[0].workers');
    refuses(withModel({ workers: [0] }), 'models[0].workers[0]');
    refuses(withModel({ threadWorkers: [65] }), 'models[0].threadWorkers[0]');
    refuses(withModel({ workers: [], threadWorkers: [] }), 'models[0].workers');
    refuses(withModel({ speed: 1 }), 'models[0]');
    refuses({ ...tiny, capControl: 'yes' }, 'capControl');
  });
  it('refuses, before any training, a model that cannot be built, a batch above n, a seeded start without an initializer', () => {
    expect(() => fig3Setups(prepareFig3Study(withModel({ objective: { kind: 'mlp', n: 0, d: 2, hidden: 2, classes: 2 } })))).toThrow(/^models\[0\]\.objective/);
    expect(() => fig3Setups(prepareFig3Study(withModel({ batchSize: 500 })))).toThrow(/^models\[0\]\.batchSize/);
    expect(() => fig3Setups(prepareFig3Study(withModel({ objective: { kind: 'least-squares', n: 50, d: 2, seed: 1 } })))).toThrow(/^models\[0\]\.x0/);
    const setup = fig3Setups(prepareFig3Study(tiny))[0];
    expect(setup.updatesPerEpoch).toBe(15); // ⌈120/8⌉
  });
});

describe('the protocol against independent values', () => {
  const p = { alphaC: 0.01, K: 1, capMultiple: 5, dropAbove: 150 };
  const expand = (counts: Record<string, number>) => Object.entries(counts).flatMap(([t, c]) => Array.from({ length: c }, () => Number(t)));
  it('Eq. 17 normalised over a known staleness sample: the cap, the refusal of α(τ) ≤ 0, the drop of τ > 150, E_τ[α(τ)] = αc', () => {
    const step = fig3Step(fx.lambda, p, expand(fx.sample))!;
    for (const [t, v] of Object.entries(fx.scale as Record<string, number>)) {
      if (v === 0) expect(step.scale(Number(t))).toBe(0);
      else expect(step.scale(Number(t))).toBeCloseTo(v, 8); // scipy's gammaincc and the closed-form s; bisection to 1e-13
    }
    expect(step.scale(0)).toBe(5); // the cap, exactly
    expect(step.meanScale!).toBeCloseTo(fx.meanScale, 10);
  });
  it('where the cap makes αc unattainable, every applied gradient gets 5αc and the mean reached is reported', () => {
    const step = fig3Step(fx.lambda, p, expand(fx.sample2))!;
    expect(step.scale(0)).toBe(5);
    expect(step.meanScale!).toBeCloseTo(fx.meanScale2, 12);
  });
  it('τ = 150 is applied and τ = 151 is not, though Eq. 17 is positive at both (λ = 200)', () => {
    expect(fx.drop.rel151).toBeGreaterThan(0);
    const step = fig3Step(fx.drop.lam, p, [150, 151, 150, 151])!;
    expect(step.scale(150)).toBeCloseTo(2, 10); // the half of the sample kept must carry the mean: 0.5 · 2 = 1
    expect(step.scale(151)).toBe(0);
  });
  it('no applicable step when every kept τ has α(τ) ≤ 0', () => {
    expect(fig3Step(2, p, [3, 4, 5, 200])).toBeNull(); // λ = 2: c(τ) = 1 − 100·Q(τ, 2) < 0 for τ ≥ 1
  });
});

describe('epochs to the threshold and the statistics', () => {
  it('the first saved epoch at or below the threshold, Infinity when never or after a divergence', () => {
    expect(epochsToThreshold([0, 10, 20, 30, 40], [2.3, 0.9, 0.05, 0.2, 0.01], 0.05, 10)).toBe(2); // ≤, not <
    expect(epochsToThreshold([0, 10, 20], [2.3, 0.9, 0.5], 0.05, 10)).toBe(Infinity);
    expect(epochsToThreshold([0, 10, 20], [2.3, NaN, 0.01], 0.05, 10)).toBe(Infinity);
    expect(epochsToThreshold([0, 125, 250], [1, 0.5, 0.04], 0.05, 125)).toBe(2);
    expect(epochsToThreshold([0], [0.01], 0.05, 125)).toBe(0);
  });
  it('mean with a t interval and the delta-method ratio match scipy', () => {
    const c = censoredMean(fx.ratio.constant, 100);
    const a = censoredMean(fx.ratio.adaptive, 100);
    expect(c.mean).toBeCloseTo(fx.ratio.constantMean, 12);
    // tQuantile's Cornish–Fisher error at ν = 4 is below 1e-3 relative: the interval to 3e-3 epochs
    expect(c.lo).toBeCloseTo(fx.ratio.constantLo, 2);
    expect(c.hi).toBeCloseTo(fx.ratio.constantHi, 2);
    const r = speedupRatio(c, a);
    expect(r.ratio).toBeCloseTo(fx.ratio.ratio, 12);
    expect(r.df).toBeCloseTo(fx.ratio.df, 10);
    expect(r.lo).toBeCloseTo(fx.ratio.lo, 3);
    expect(r.hi).toBeCloseTo(fx.ratio.hi, 3);
    expect(r.bound).toBe('estimate');
  });
  it('censored runs count at the budget and turn the ratio into a bound', () => {
    const c = censoredMean([10, Infinity, 14], 20);
    expect(c.mean).toBeCloseTo((10 + 20 + 14) / 3, 12);
    expect(c.censored).toBe(1);
    const ok = censoredMean([5, 6, 7], 20);
    expect(speedupRatio(c, ok).bound).toBe('lower-bound');
    expect(speedupRatio(ok, c).bound).toBe('upper-bound');
    expect(speedupRatio(c, c).bound).toBe('none');
    expect(speedupText(speedupRatio(c, c))).toContain('both arms censored');
    expect(speedupText(speedupRatio(c, ok)).startsWith('≥ ×')).toBe(true);
  });
});

describe('the server stops at the target loss', () => {
  it('stopAtLoss ends the run at the first saved F ≤ target; the points before are those of the full run, bit for bit', () => {
    const obj = objectiveFromSpec(tiny.models[0].objective, 'o');
    const spec = { objective: obj, x0: seededInitialPoint(obj, 1)!, workers: 4, batchSize: 8, mode: 'async' as const, computeTime: { kind: 'normal' as const, mean: 1, sd: 0.2 }, optimizer: { kind: 'sgd' as const, lr: 0.05 }, updates: 300, saveEvery: 15 };
    const full = runParameterServer(spec, { seed: 3 });
    const target = full.F[6]; // reached first at saved point 6 or earlier
    const first = Array.from(full.F).findIndex((v) => v <= target);
    const cut = runParameterServer({ ...spec, stopAtLoss: target }, { seed: 3 });
    expect(cut.F.length).toBe(first + 1);
    expect(Array.from(cut.F)).toEqual(Array.from(full.F.slice(0, first + 1)));
    expect(cut.staleness.length).toBe(full.updates[first]);
    expect(cut.status).toBe('ok');
    expect(() => runParameterServer({ ...spec, stopAtLoss: NaN }, { seed: 3 })).toThrow(/^server\.stopAtLoss/);
  });
});

describe('the real-thread server stops at the target loss', () => {
  it('stopAtLoss: the workers stop at the first saved point with F ≤ target, status ok, fewer updates than the budget', async () => {
    const spec = { objective: tiny.models[0].objective, x0: seededInitialPoint(objectiveFromSpec(tiny.models[0].objective, 'o'), 1)!, workers: 2, batchSize: 8, mode: 'async' as const, optimizer: { kind: 'sgd' as const, lr: 0.05 }, updates: 20_000, saveEvery: 15 };
    const r = await runThreadedServer({ ...spec, stopAtLoss: 0.95 }, { seed: 2 });
    expect(r.status).toBe('ok');
    const first = Array.from(r.F).findIndex((v) => v <= 0.95);
    expect(first).toBeGreaterThan(0);
    // the watch polls every 20 ms: the workers may have run on past the point, never to the budget
    expect(r.updates[r.updates.length - 1]).toBeLessThan(20_000);
    await expect(runThreadedServer({ ...spec, stopAtLoss: Infinity }, { seed: 2 })).rejects.toThrow(/^server\.stopAtLoss/);
  }, 60_000);
});

describe('the simulated study', () => {
  it('with capControl a third arm, AsyncPSGD at 5αc, and its speed-up', async () => {
    const res = await runFig3Study(prepareFig3Study({ ...tiny, capControl: true, models: [{ ...tiny.models[0], workers: [2] }] }), { threads: 1 });
    expect(res.runs.map((r) => r.arm)).toEqual(['constant', 'constant', 'eq17', 'eq17', 'constant-cap', 'constant-cap']);
    expect(res.rows[0].control).not.toBeNull();
    expect(res.rows[0].controlSpeedup!.ratio).toBeCloseTo(res.rows[0].constant.mean / res.rows[0].control!.mean, 12);
    expect(res.rows[0].overControl!.ratio).toBeCloseTo(res.rows[0].control!.mean / res.rows[0].eq17.mean, 12);
    expect(fig3SummaryCsv(res.rows).split('\n')[0]).toContain('cap_speedup');
    expect(fig3SummaryCsv(res.rows).split('\n')[0].split(',').length).toBe(fig3SummaryCsv(res.rows).split('\n')[1].split(',').length);
    // the control's larger step: it reaches the threshold no later than the constant arm in these runs
    expect(res.rows[0].control!.mean).toBeLessThanOrEqual(res.rows[0].constant.mean);
  });
  it('same seed ⇒ the same CSV bytes whatever the thread count; another seed differs', async () => {
    const study = prepareFig3Study(tiny);
    const a = await runFig3Study(study, { threads: 1 });
    const b = await runFig3Study(study, { threads: 2 });
    expect(fig3RunsCsv(b.runs)).toBe(fig3RunsCsv(a.runs));
    expect(fig3SummaryCsv(b.rows)).toBe(fig3SummaryCsv(a.rows));
    const c = await runFig3Study(prepareFig3Study(tiny, 9), { threads: 1 });
    expect(fig3RunsCsv(c.runs)).not.toBe(fig3RunsCsv(a.runs));
    // 2 m × 2 arms × 2 runs, both arms present, a row per m
    expect(a.runs.length).toBe(8);
    expect(new Set(a.runs.map((r) => r.arm))).toEqual(new Set(fig3StudyArms(study)));
    expect(fig3StudyArms({ capControl: true })).toEqual(FIG3_ARMS);
    expect(a.rows.map((r) => r.m)).toEqual([2, 4]);
    expect(summarizeFig3Runs(study, a.setups, a.runs)).toEqual(a.rows);
    // a run is the task function on its own (what parallelMap calls on every thread)
    const one = fig3SimulatedRun({ objective: tiny.models[0].objective, x0: 'seeded', m: 2, arm: 'constant', seed: a.runs[0].seed, pilotSeed: 5, pilotUpdates: 300, alphaC: 0.05, K: 1, capMultiple: 5, dropAbove: 150, batchSize: 8, maxEpochs: 6, threshold: 0.9, computeTime: study.computeTime });
    expect(one.lowest).toBe(a.runs[0].lowest);
    // the constant arm applies every gradient at αc
    for (const r of a.runs.filter((x) => x.arm === 'constant')) expect([r.computedPerApplied, r.meanScale]).toEqual([1, 1]);
  });
  it('the figure: words on both axes, ≤ 8 legend entries, the paper\'s ×1.5 at m = 32, no raw TeX; the text table', async () => {
    const res = await runFig3Study(prepareFig3Study(tiny), { threads: 1 });
    const fig = fig3Figure(res);
    const layout = fig.layout as Record<string, { title?: { text: string } }>;
    for (const ax of ['xaxis', 'yaxis', 'xaxis2', 'yaxis2']) expect(layout[ax].title!.text.length).toBeGreaterThan(5);
    expect(legendEntryCount(fig.data)).toBeLessThanOrEqual(8);
    const star = (fig.data as { x?: number[]; y?: number[]; name?: string }[]).find((t) => t.name?.startsWith('the paper'))!;
    expect([star.x, star.y]).toEqual([[32], [PAPER_SPEEDUP_M32]]);
    expect(JSON.stringify(fig)).not.toMatch(/\\\\[a-z]+|\$|_\{/);
    expect(fig3SummaryText(res).split('\n')[1]).toMatch(/^tiny MLP \| simulated \| 2 \|/);
  });
  it('a seeded start: the MLP\'s initializer, or the objective\'s own initialPoint', () => {
    const mlp = objectiveFromSpec(tiny.models[0].objective, 'o');
    expect(seededInitialPoint(mlp, 3)!.length).toBe(mlp.dim);
    const own = Object.assign(Object.create(objectiveFromSpec({ kind: 'least-squares', n: 20, d: 3, seed: 1 }, 'o')), { initialPoint: (s: number) => new Float64Array(3).fill(s) });
    expect(Array.from(seededInitialPoint(own, 7)!)).toEqual([7, 7, 7]);
    expect(seededInitialPoint(objectiveFromSpec({ kind: 'toy' }, 'o'), 1)).toBeUndefined();
    // the CNN: its own initializer, not the MLP's (it has a hidden width too)
    const cnnSpec = { kind: 'cnn' as const, n: 40, size: 16, classes: 2, seed: 1 };
    const cnn = objectiveFromSpec(cnnSpec, 'o') as CnnObjective;
    expect(Array.from(seededInitialPoint(cnn, 4)!)).toEqual(Array.from(cnnInitialPoint(cnn, 4)));
    expect(fig3Setups(prepareFig3Study(withModel({ objective: cnnSpec, batchSize: 4 })))[0].dim).toBe(cnn.dim);
  });
});
