/**
 * The figure style helpers: log-axis ticks (labels written out by hand from the rule in axes.ts's
 * comment), Unicode math (expected characters from the Unicode superscript/subscript blocks),
 * and the house style applied to a spec.
 */
import { describe, expect, it } from 'vitest';
import { ciBand, colourDashLegend, legendEntryCount, logTicks, powerOfTen, seriesStyle, styleAxes } from '../../src/plot/axes.ts';
import { styleFigure } from '../../src/plot/style.ts';
import { escapeHtmlMath, hasRawScripts, hasTexScripts, htmlMath, unicodeMath } from '../../src/plot/unicode-math.ts';

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

  it('an end label is promoted only with a label\'s room (span/maxLabels decades) beside its neighbour', () => {
    // 0.0022 … 0.25 (2.06 decades), 5 labels: 1-3 labelling 0.003, 0.01, 0.03, 0.1; the top end 0.2
    // lies log10(2) = 0.30 decades from 0.1, less than 2.06/5 = 0.41: it stays an unlabelled minor
    const t = logTicks(0.0022, 0.25, 5);
    expect(t.ticktext).toEqual(['0.003', '0.01', '0.03', '0.1']);
    expect(t.minor).toContain(0.2);
    // with room (0.0038 … 0.045, 8 labels: 1.07/8 = 0.13 decades) the top 0.04 is still labelled
    expect(logTicks(0.0038, 0.045).ticktext.at(-1)).toBe('0.04');
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

describe('htmlMath', () => {
  it('writes scripts without a Unicode form as <sup>/<sub>, so no caret is left', () => {
    expect(htmlMath('CMP fit (λ = m^ν)')).toBe('CMP fit (λ = m<sup>ν</sup>)');
    expect(htmlMath('α(τ) = C^(−τ)p⁻¹α')).toBe('α(τ) = C<sup>−τ</sup>p⁻¹α');
    expect(htmlMath('λ^(−τ)(τ!)^ν')).toBe('λ<sup>−τ</sup>(τ!)<sup>ν</sup>');
    expect(htmlMath('fit ∝ K^-0.51')).toBe('fit ∝ K<sup>-0.51</sup>');
    expect(htmlMath('e^{−Ãt}')).toBe('e<sup>−Ãt</sup>');
    expect(htmlMath('e^{Vt}')).toBe('e\u2C7D\u1D57'); // a Unicode form exists: kept
    expect(htmlMath('∇f_{batch[m]}')).toBe('∇f<sub>batch[m]</sub>');
  });

  it('reads a bare subscript only after a lone letter', () => {
    expect(htmlMath('a_min τ ≈ 0.2, D_B, c_λ, E|X(t_K) − x_K|')).toBe('a<sub>min</sub> τ ≈ 0.2, D<sub>B</sub>, c<sub>λ</sub>, E|X(t<sub>K</sub>) − x<sub>K</sub>|');
    expect(htmlMath('m worker_threads, error_y, fig1_data.csv')).toBe('m worker_threads, error_y, fig1_data.csv');
    expect(htmlMath('L = sup_u E_i‖a_i a_iᵀu‖')).toBe('L = sup<sub>u</sub> E<sub>i</sub>‖a<sub>i</sub> a<sub>i</sub>ᵀu‖');
    for (const s of ['m^ν', 'C^(−τ)', 'K^-0.51', 'x^{a/b}']) expect(hasRawScripts(htmlMath(s)), s).toBe(false);
    expect(hasRawScripts('λ = m^ν')).toBe(true);
  });

  it('escapeHtmlMath escapes everything but bare <sup>/<sub> tags', () => {
    expect(escapeHtmlMath('a<sub>min</sub> < 1 & "x"')).toBe('a<sub>min</sub> &lt; 1 &amp; &quot;x&quot;');
    expect(escapeHtmlMath('<sup onclick="x">')).toBe('&lt;sup onclick=&quot;x&quot;&gt;');
    expect(escapeHtmlMath('<script>')).toBe('&lt;script&gt;');
  });
});

describe('ciBand', () => {
  it('is one filled polygon along hi and back along lo, with lower ends below the floor drawn at it', () => {
    const band = ciBand([1, 2, 3], [0.5, -1, 2], [1.5, 3, 4], { color: '#0072B2', floor: 0.1, xaxis: 'x2', legendgroup: 'g' }) as { x: number[]; y: number[]; fill: string; fillcolor: string; showlegend: boolean; xaxis: string; legendgroup: string };
    expect(band.x).toEqual([1, 2, 3, 3, 2, 1]);
    expect(band.y).toEqual([1.5, 3, 4, 2, 0.1, 0.5]);
    expect(band.fill).toBe('toself');
    expect(band.fillcolor).toBe('rgba(0, 114, 178, 0.2)'); // 0x00, 0x72, 0xB2
    expect(band.showlegend).toBe(false);
    expect([band.xaxis, band.legendgroup]).toEqual(['x2', 'g']);
    expect(legendEntryCount([band])).toBe(0);
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
    const carets = styleFigure({ title: 'λ = m^ν', caption: 'a_min', data: [{ name: 'C^(−τ)' }], layout: { annotations: [{ text: 'e^{−Ãt}' }] } });
    expect([carets.title, carets.caption, (carets.data[0] as { name: string }).name, (carets.layout.annotations as { text: string }[])[0].text]).toEqual(['λ = m<sup>ν</sup>', 'a<sub>min</sub>', 'C<sup>−τ</sup>', 'e<sup>−Ãt</sup>']);
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
