/**
 * The figure style helpers: log-axis ticks (labels written out by hand from the rule in axes.ts's
 * comment), Unicode math (expected characters from the Unicode superscript/subscript blocks),
 * and the house style applied to a spec.
 */
import { describe, expect, it } from 'vitest';
import { colourDashLegend, legendEntryCount, logTicks, powerOfTen, seriesStyle, styleAxes } from '../../src/plot/axes.ts';
import { styleFigure } from '../../src/plot/style.ts';
import { hasTexScripts, unicodeMath } from '../../src/plot/unicode-math.ts';

describe('logTicks', () => {
  it('3e-4 … 0.05 (2.2 decades): 1-2-5 labels as powers of ten, the other multiples unlabelled minors', () => {
    const t = logTicks(3e-4, 0.05);
    expect(t.ticktext).toEqual(['5·10⁻⁴', '10⁻³', '2·10⁻³', '5·10⁻³', '10⁻²', '2·10⁻²', '5·10⁻²']);
    expect(t.tickvals).toEqual([5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05]);
    expect(t.minor).toEqual([3e-4, 4e-4, 6e-4, 7e-4, 8e-4, 9e-4, 3e-3, 4e-3, 6e-3, 7e-3, 8e-3, 9e-3, 0.03, 0.04]);
  });

  it('3.2 decades: 1-3 labels; 5 decades: the decades only', () => {
    expect(logTicks(6e-5, 0.08).ticktext).toEqual(['10⁻⁴', '3·10⁻⁴', '10⁻³', '3·10⁻³', '10⁻²', '3·10⁻²', '8·10⁻²']);
    expect(logTicks(0.0038, 0.045).ticktext).toEqual(['0.005', '0.01', '0.02', '0.04']);
    const t = logTicks(1e-6, 0.1);
    expect(t.ticktext).toEqual(['10⁻⁶', '10⁻⁵', '10⁻⁴', '10⁻³', '10⁻²', '10⁻¹']);
    expect(t.minor.length).toBe(5 * 8);
  });

  it('labels are plain decimals when all lie in [10⁻³, 10⁴]; the densest labelling within maxLabels', () => {
    expect(logTicks(1, 64).ticktext).toEqual(['1', '2', '5', '10', '20', '50']);
    expect(logTicks(0.005, 0.04).ticktext).toEqual(['0.005', '0.01', '0.02', '0.04']);
    expect(logTicks(0.005, 0.04, 9).ticktext).toEqual(['0.005', '0.006', '0.007', '0.008', '0.009', '0.01', '0.02', '0.03', '0.04']);
    expect(logTicks(1e-6, 1, 4).ticktext).toEqual(['10⁻⁶', '10⁻⁴', '10⁻²', '10⁰']);
    // labelled by decades: no extra 2·10⁰ beside 10⁰ at the top
    expect(logTicks(1e-7, 2.2).ticktext).toEqual(['10⁻⁷', '10⁻⁶', '10⁻⁵', '10⁻⁴', '10⁻³', '10⁻²', '10⁻¹', '10⁰']);
    expect(logTicks(0.02, 0.045).ticktext).toEqual(['0.02', '0.03', '0.04']);
  });

  it('crowded spans label every k-th decade; a bad range gives no ticks', () => {
    const t = logTicks(1e-20, 1);
    expect(t.ticktext).toEqual(['10⁻¹⁸', '10⁻¹⁵', '10⁻¹²', '10⁻⁹', '10⁻⁶', '10⁻³', '10⁰']);
    expect(t.tickvals.every((v) => Math.round(Math.log10(v)) % 3 === 0)).toBe(true);
    expect(t.tickvals.length).toBe(7);
    expect(logTicks(0, 1).tickvals).toEqual([]);
    expect(logTicks(2, 1).tickvals).toEqual([]);
    expect(powerOfTen(-12)).toBe('10⁻¹²');
  });
});

describe('styleAxes', () => {
  it('gives a log axis ticks over its data and error bars, and every axis automargin and a title standoff', () => {
    const data = [{ x: [1, 2], y: [1e-4, 0.01], error_y: { array: [0, 0.04] } }, { x: [1], y: [5], xaxis: 'x2', yaxis: 'y2' }];
    const layout = styleAxes(data, { yaxis: { type: 'log', title: { text: 'error' } }, yaxis2: { type: 'log', tickvals: [5] } });
    const y = layout.yaxis as Record<string, unknown>;
    expect(y.ticktext).toEqual(['10⁻⁴', '3·10⁻⁴', '10⁻³', '3·10⁻³', '10⁻²', '3·10⁻²']);
    expect(y.automargin).toBe(true);
    expect(y.title).toEqual({ standoff: 10, text: 'error' });
    expect((layout.yaxis2 as Record<string, unknown>).ticktext).toBeUndefined();
    expect((layout.xaxis2 as Record<string, unknown>).automargin).toBe(true);
  });
});

describe('unicodeMath', () => {
  it('writes script groups as super- and subscript characters', () => {
    expect(unicodeMath('e^{Vt}')).toBe('e\u2C7D\u1D57');
    expect(unicodeMath('l/K^{3/2}')).toBe('l/K\u00B3\u141F\u00B2');
    expect(unicodeMath('x_{k+1} − x_{k}')).toBe('x\u2096\u208A\u2081 − x\u2096');
    expect(unicodeMath('b^{−1/2}')).toBe('b\u207B\u00B9\u141F\u00B2');
  });

  it('keeps a group without script characters readable in brackets, and nests', () => {
    expect(unicodeMath('e^{−Ãt}')).toBe('e^(−Ãt)');
    expect(unicodeMath('∇f_{batch[m]}')).toBe('∇f_(batch[m])');
    expect(unicodeMath('e^{a_{1}}')).toBe('e^(a₁)');
    expect(unicodeMath('no scripts: x^2, a_b, {x}')).toBe('no scripts: x^2, a_b, {x}');
    expect(unicodeMath('unclosed ^{x')).toBe('unclosed ^{x');
    expect(hasTexScripts('e^{x}')).toBe(true);
    expect(hasTexScripts(unicodeMath('e^{x} + y_{t}'))).toBe(false);
  });
});

describe('styleFigure and the legend helpers', () => {
  it('rewrites TeX in the title, caption, names and axis titles, and leaves data alone', () => {
    const fig = styleFigure({ title: 'e^{Vt}', caption: 'x_{k}', data: [{ name: 'C e^{L}', x: [1], y: [2] }], layout: { xaxis: { title: { text: 'K^{3/2}' } } } });
    expect(fig.title).toBe('e\u2C7D\u1D57');
    expect(fig.caption).toBe('x\u2096');
    expect((fig.data[0] as { name: string }).name).toBe('C e\u1D38');
    expect(((fig.layout.xaxis as { title: { text: string } }).title.text)).toBe('K\u00B3\u141F\u00B2');
    expect((fig.data[0] as { y: number[] }).y).toEqual([2]);
  });

  it('a colour × dash legend has colours + dashes entries, not their product', () => {
    const { traces } = colourDashLegend(
      [1, 2, 3, 4, 5].map((i) => ({ label: `c${i}`, color: seriesStyle(i).color })),
      [0, 1, 2].map((i) => ({ label: `d${i}`, dash: seriesStyle(8 * i).dash })),
      { colour: 'part', dash: 'problem' },
    );
    expect(legendEntryCount(traces)).toBe(8);
    expect(legendEntryCount(traces, 'legend2')).toBe(3);
    expect(new Set([0, 8, 16].map((i) => seriesStyle(i).dash)).size).toBe(3);
  });
});
