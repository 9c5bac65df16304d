/**
 * What a reviewer checks in the sweep and staleness figures: words on the axes (not config ids),
 * a y title on every panel, few legend entries per panel with distinct colour and dash, every
 * worker count drawn, CIs on the staleness bars (the replicate CI checked against a hand count).
 */
import { describe, expect, it } from 'vitest';
import { legendEntryCount } from '../../src/plot/axes.ts';
import { styleFigure } from '../../src/plot/style.ts';
import { sweepFigure } from '../../src/sweep/figure.ts';
import { stalenessFigure, stalenessPmfCi, threadedStalenessFigure } from '../../src/experiments/staleness-report.ts';
import type { ThreadedStaleness } from '../../src/experiments/threaded-staleness.ts';
import { hasRawScripts } from '../../src/plot/unicode-math.ts';
import { simulateStaleness } from '../../src/experiments/staleness.ts';
import type { StalenessSimulation } from '../../src/experiments/staleness.ts';

type Trace = { name?: string; legend?: string; xaxis?: string; line?: { color: string; dash: string }; error_y?: { array: number[] } };

describe('sweep figure', () => {
  const keys = ['asgd.delay.maxLag', 'asgd.batchSize'];
  const rows = [0, 2, 4].flatMap((l) => [1, 2, 4, 8].map((b) => ({ values: [l, b], metric: 0.04 / b, se: 1e-6 })));
  const fig = sweepFigure(keys, 'approximation-error', rows, 'caption');
  const layout = fig.layout as Record<string, { title?: { text: string } }>;

  it('titles in words: the metric, the keys, and a y title on both panels', () => {
    expect(fig.title).not.toContain('approximation-error');
    expect(fig.title).toContain('approximation error');
    expect(layout.xaxis.title!.text).toContain('delay bound l');
    expect(layout.xaxis2.title!.text).toBe('batch size b');
    expect(layout.yaxis.title!.text).toContain('approximation error');
    expect(layout.yaxis2.title!.text).toBe(layout.yaxis.title!.text);
  });

  it('one legend per panel, its series distinct in colour and dash', () => {
    const data = fig.data as Trace[];
    expect(legendEntryCount(data, 'legend')).toBe(4); // left: one series per b
    expect(legendEntryCount(data, 'legend2')).toBe(3); // right: one per l
    for (const legend of ['legend', 'legend2']) {
      const styles = data.filter((t) => t.legend === legend).map((t) => `${t.line!.color} ${t.line!.dash}`);
      expect(new Set(styles).size).toBe(styles.length);
      expect(new Set(data.filter((t) => t.legend === legend).map((t) => t.line!.dash)).size).toBe(styles.length);
    }
    expect(data.find((t) => t.legend === 'legend2')!.name).toMatch(/^l = 0: /);
  });

  it('styled, its log y axis is labelled at readable values', () => {
    const y = styleFigure(fig).layout.yaxis as { ticktext: string[] };
    // 0.005 … 0.04 on a 380 px panel: 1-2-5 and the top end
    expect(y.ticktext).toEqual(['0.005', '0.01', '0.02', '0.04']);
  });
});

describe('staleness figure', () => {
  it('stalenessPmfCi: the t interval of the replicate frequencies (two runs counted by hand)', () => {
    // run 1 keeps τ = 0, 0, 1, 1; run 2 keeps 0, 1, 1, 1 (updates 6, warm-ups 2): P[τ=0] = 0.5 and 0.25,
    // mean 0.375, sd 0.1768, SE 0.125, t(0.975, 1 df) = 12.7062 → half-width 1.5883
    const sim = { spec: { updates: 6 }, warmups: Int32Array.from([2, 2]), staleness: Int32Array.from([0, 0, 1, 1, 0, 1, 1, 1]), histogram: Float64Array.from([0.375, 0.625]) } as unknown as StalenessSimulation;
    const { pmf, halfWidth } = stalenessPmfCi(sim);
    expect(pmf).toEqual([0.375, 0.625]);
    expect(halfWidth[0]).toBeCloseTo(12.7062047 * 0.125, 5);
    expect(halfWidth[1]).toBeCloseTo(12.7062047 * 0.125, 5);
  });

  it('draws a histogram with CI bars for every worker count, and the distances panel', () => {
    const compute = { kind: 'normal', mean: 1, sd: 0.2 } as const;
    const sims = [2, 3, 4, 6, 8].map((m) => simulateStaleness({ workers: m, computeTime: compute, updates: 300, replicates: 4, seed: 3 }));
    const fig = stalenessFigure(sims, { mode: 'async', computeTime: compute, updates: 300, seed: 3 });
    const bars = (fig.data as (Trace & { type: string })[]).filter((t) => t.type === 'bar');
    expect(bars.length).toBe(5);
    for (const b of bars) expect(b.error_y!.array.some((h) => h > 0)).toBe(true);
    expect(new Set((fig.data as Trace[]).map((t) => t.xaxis)).size).toBe(6);
    expect(legendEntryCount(fig.data)).toBeLessThanOrEqual(8);
  });
});

describe('real-thread staleness figure', () => {
  // the figure's structure does not depend on where the pmfs came from: simulated runs stand in
  // for the measured ones (real threads are timing-dependent and slow)
  const compute = { kind: 'normal', mean: 1, sd: 0.2 } as const;
  const results = [2, 4, 8, 16, 32].map((m): ThreadedStaleness => {
    const measured = simulateStaleness({ workers: m, computeTime: compute, updates: 300, replicates: 3, seed: 5 });
    const simulated = simulateStaleness({ workers: m, computeTime: compute, updates: 300, replicates: 3, seed: 6 });
    return {
      measured,
      simulated,
      computeTime: { law: compute, candidates: [], meanSeconds: 1e-5, sdSeconds: 2e-6, quantilesSeconds: { p50: 1e-5, p90: 1.2e-5, p99: 1.5e-5 }, samples: 900 },
      distance: 0.01,
      sameWorkerRate: { measured: measured.sameWorkerRate, simulated: simulated.sameWorkerRate },
      computeShare: 0.5,
      lockWaitShare: 0.1,
      updatesPerSecond: 1e4,
      runs: [0, 1, 2].map(() => ({ seconds: 1, startupSeconds: 0.1, mean: measured.mean, pZero: measured.pZero, warmup: 0, status: 'ok' })),
      read: 'consistent',
      cores: 2,
    };
  });
  const fig = styleFigure(threadedStalenessFigure(results, 'caption.'));
  const data = fig.data as (Trace & { type: string; showlegend?: boolean; error_y?: { array: number[] } })[];

  it('two legends of at most 8 entries each (pmf panels; summary row), the four models once', () => {
    expect(legendEntryCount(data, 'legend')).toBeLessThanOrEqual(8);
    expect(legendEntryCount(data, 'legend2')).toBeLessThanOrEqual(8);
    expect(legendEntryCount(data, 'legend') + legendEntryCount(data, 'legend2')).toBe(6 + 7);
    const models = data.filter((t) => t.showlegend !== false && (t.legend ?? 'legend') === 'legend' && /\bfit\b/.test(t.name ?? '')).map((t) => t.name);
    expect(models).toEqual(['geometric fit', 'uniform fit', 'Poisson fit', 'CMP fit (λ = m<sup>ν</sup>)']);
    // within each legend, every line entry differs from the others in colour or dash
    for (const legend of ['legend', 'legend2']) {
      const styles = data.filter((t) => t.showlegend !== false && (t.legend ?? 'legend') === legend && t.line).map((t) => `${t.line!.color} ${t.line!.dash}`);
      expect(new Set(styles).size).toBe(styles.length);
    }
  });

  it('every measured pmf has CI bars, and no caret or TeX reaches the reader', () => {
    const bars = data.filter((t) => t.type === 'bar');
    expect(bars.length).toBe(5);
    for (const b of bars) expect(b.error_y!.array.some((h) => h > 0)).toBe(true);
    const texts = [fig.title, fig.caption, ...data.map((t) => t.name ?? '')];
    expect(texts.filter(hasRawScripts)).toEqual([]);
  });
});
