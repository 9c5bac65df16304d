/**
 * `asgd-sdde check --quick` end to end (what CI runs): every row's verdict kind pinned in
 * test/theory/quick-verdicts.ts (with the reason it is expected), and the measured numbers of the
 * rows with a closed form checked against it; and reproducibility of ensemble statistics across
 * thread counts.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main.ts';
import { runEnsemble } from '../../src/stats/ensemble.ts';
import { configEnsemble } from '../../src/experiments/ensemble-source.ts';
import { buildObjective, LINEAR_REGRESSION } from '../../src/theory/problems.ts';
import { QUICK_VERDICTS, rowId } from './quick-verdicts.ts';
import { checkFig3 } from '../../src/theory/checks/mindthestep-training.ts';
import { legendEntryCount } from '../../src/plot/axes.ts';
import { hasRawScripts } from '../../src/plot/unicode-math.ts';

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe('check --quick', () => {
  let out = '';
  let report: { seed: number; quick: boolean; checks: { name: string; rows: Row[] }[] };
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'asgd-sdde-check-'));
    const r = await cli(['check', '--quick', '--json', '--no-png', '--out', out]);
    expect(r.code, r.err).toBe(EXIT.ok);
    report = JSON.parse(r.out);
  }, 300_000); // every check end to end (≈ 100 s alone on 2 cores; more beside the other test files)
  const rows = () => report.checks.flatMap((c) => c.rows.map((row) => ({ check: c.name, id: rowId(c.name, row.theorem, row.quantity), row })));
  const row = (check: string, theorem: string, quantity = '') => {
    const found = rows().filter((r) => r.check === check && r.row.theorem === theorem && r.row.quantity.startsWith(quantity));
    expect(found.length, `${check} › ${theorem} › ${quantity}`).toBe(1);
    return found[0].row;
  };

  it('measures every check with real numbers, and writes the report', () => {
    expect(report.checks.map((c) => c.name)).toEqual(['approximation', 'moments', 'energy', 'rates', 'mindthestep', 'accumulation']);
    for (const c of report.checks) {
      expect(c.rows.length, c.name).toBeGreaterThan(2);
      for (const r of c.rows) {
        expect(r.measured, `${c.name}: ${r.theorem}`).not.toMatch(/NaN|Infinity/);
        expect(r.verdict.reason.length).toBeGreaterThan(10);
      }
    }
    for (const f of ['theory-report.html', 'theory-report.json', 'check-approximation.html', 'check-moments.html', 'check-energy.html', 'check-rates.html', 'check-mindthestep-momentum.html', 'check-mindthestep-thm6.html', 'check-mindthestep-staleness.html', 'check-mindthestep-fig3.html', 'check-accumulation-staleness.html', 'check-accumulation-lr-sweep.html', 'check-accumulation-ablation.html']) expect(existsSync(join(out, f)), f).toBe(true);
    const saved = JSON.parse(readFileSync(join(out, 'theory-report.json'), 'utf8'));
    expect(saved.seed).toBe(1);
    expect(saved.quick).toBe(true);
    expect(readFileSync(join(out, 'theory-report.html'), 'utf8')).toContain('Thm 4.1');
  });

  it('checkFig3 alone reproduces the report’s Fig. 3 analog row (same seed, same training runs)', async () => {
    const fig3 = await checkFig3({ quick: true, seed: 1 });
    const r = row('mindthestep', 'MindTheStep Fig. 3 (analog)');
    expect(fig3.rows.map((x) => x.measured)).toContain(r.measured);
  }, 300_000);

  it('figure pages: at most 8 entries per legend, no caret or TeX a reader sees, subscripts drawn as <sub>', () => {
    const pages = readdirSync(out).filter((f) => /^check-.*\.html$/.test(f));
    expect(pages.length).toBeGreaterThanOrEqual(11);
    for (const page of pages) {
      const html = readFileSync(join(out, page), 'utf8');
      const data = JSON.parse(/^\s*const data = (.*);$/m.exec(html)![1]) as Record<string, unknown>[];
      const layout = JSON.parse(/^\s*const layout = (.*);$/m.exec(html)![1]) as Record<string, unknown>;
      const legends = new Set(data.map((t) => (t.legend as string | undefined) ?? 'legend'));
      for (const l of legends) expect(legendEntryCount(data, l), `${page} ${l}`).toBeLessThanOrEqual(8);
      // what the reader sees: trace names, titles, annotation texts (the layout's strings), the caption and the heading
      const strings: string[] = [];
      const walk = (v: unknown): void => {
        if (typeof v === 'string') strings.push(v);
        else if (Array.isArray(v)) v.forEach(walk);
        else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
      };
      data.forEach((t) => walk([t.name, t.text, t.title]));
      walk(layout);
      const body = html.slice(html.indexOf('<body>'), html.indexOf('<script>', html.indexOf('<body>')));
      strings.push(body);
      expect(strings.filter(hasRawScripts).map((x) => `${page}: ${x.slice(0, 120)}`)).toEqual([]);
    }
    // the moments legend writes a_min with a subscript, the staleness legend λ = m^ν with a superscript
    const names = (page: string) => (JSON.parse(/^\s*const data = (.*);$/m.exec(readFileSync(join(out, page), 'utf8'))![1]) as { name?: string }[]).map((t) => t.name);
    expect(names('check-moments.html')).toContain('a<sub>min</sub> τ ≈ 0.2');
    expect(names('check-mindthestep-staleness.html')).toContain('CMP fit (λ = m<sup>ν</sup>)');
    // measurements drawn against a prediction carry their CIs: bands (moments: 4 cases × 2 panels,
    // the last case's bound panel included; energy: SDDE and ASGD × 3 delays), whiskers on the measured T (Thm 6)
    const traces = (page: string) => JSON.parse(/^\s*const data = (.*);$/m.exec(readFileSync(join(out, page), 'utf8'))![1]) as { fill?: string; error_x?: unknown; error_y?: unknown }[];
    expect(traces('check-moments.html').filter((t) => t.fill === 'toself').length).toBe(8);
    expect(traces('check-energy.html').filter((t) => t.fill === 'toself').length).toBe(6);
    expect(traces('check-mindthestep-thm6.html').filter((t) => t.error_x !== undefined).length).toBe(4);
  });

  it('has exactly the rows of the pinned table (test/theory/quick-verdicts.ts)', () => {
    const pinned = QUICK_VERDICTS.map((v) => rowId(v.check, v.theorem, v.quantity));
    expect(new Set(pinned).size, 'row ids in the table are unique').toBe(pinned.length);
    expect(rows().map((r) => r.id).sort()).toEqual([...pinned].sort());
  });

  // one test per row: a flipped verdict names its row
  for (const v of QUICK_VERDICTS) {
    it(`verdict: ${rowId(v.check, v.theorem, v.quantity)} is ${v.kind}`, () => {
      const found = rows().find((r) => r.id === rowId(v.check, v.theorem, v.quantity));
      expect(found, 'row present in the report').toBeDefined();
      expect(found!.row.verdict.kind, `${v.why}\nreport: ${found!.row.measured} — ${found!.row.verdict.reason}`).toBe(v.kind);
    });
  }

  // Closed forms, against the printed numbers. The report prints 3 significant digits, so a
  // value v stands for the interval v ± half a unit in its third digit (printed()).
  describe('measured numbers against closed forms', () => {
    it('Thm 4.1 at τ = 0: the decay rate of the mean is the smallest eigenvalue of Ã = AᵀA/n (from the data)', () => {
      const obj = buildObjective(LINEAR_REGRESSION) as ReturnType<typeof buildObjective> & { data: { A: Float64Array; B: Float64Array } };
      const { A } = obj.data;
      const n = obj.n;
      let a = 0;
      let b = 0;
      let c = 0;
      for (let i = 0; i < n; i++) {
        a += (A[2 * i] * A[2 * i]) / n;
        b += (A[2 * i] * A[2 * i + 1]) / n;
        c += (A[2 * i + 1] * A[2 * i + 1]) / n;
      }
      const aMin = (a + c) / 2 - Math.sqrt(((a - c) / 2) ** 2 + b * b);
      const r = row('moments', 'Thm 4.1, τ = 0 (SGD, OU process)');
      expect(printed(r.predicted.replace('−V = ', ''))).toContainValue(aMin);
      expect(ciOf(r.measured)).toContainValue(aMin);
    });
    it('Thm 4.1 stability region: aτ* = π/2 (Hayes 1950)', () => {
      expect(printed(row('moments', 'Thm 4.1 stability region').measured)).toContainValue(Math.PI / 2);
    });
    it('MindTheStep Lemma 1: every slope is 1', () => {
      const cis = [...row('mindthestep', 'Lemma 1').measured.matchAll(/: (\S+) \((\S+) … (\S+)\)/g)];
      expect(cis.length).toBe(7);
      for (const m of cis) expect(widen(+m[2], +m[3])).toContainValue(1);
    });
    for (const p of [0.2, 0.5]) {
      it(`MindTheStep Thm 2 (p = ${p}): μ = 1 − p, κ = −p`, () => {
        const m = row('mindthestep', `Thm 2 (p = ${p})`).measured;
        expect(named(m, 'μ')).toContainValue(1 - p);
        expect(named(m, 'κ')).toContainValue(-p);
      });
    }
    for (const C of [1.6, 1]) {
      it(`MindTheStep Thm 3 (p = 0.2, C = ${C}): μ = (1 − p)/C, κ = μ − 1; the printed μ = 2 − (1 − p)/C is excluded`, () => {
        const m = row('mindthestep', `Thm 3 corrected (p = 0.2, C = ${C})`).measured;
        expect(named(m, 'μ')).toContainValue(0.8 / C);
        expect(named(m, 'κ')).toContainValue(0.8 / C - 1);
        const printedMu = named(row('mindthestep', `Thm 3 as printed (p = 0.2, C = ${C})`).measured, 'μ');
        expect(printedMu).toContainValue(0.8 / C);
        expect(printedMu).not.toContainValue(2 - 0.8 / C);
      });
    }
    it('MindTheStep Cor 1: the printed C = (1−p)/(2−μ*) makes p(i)α(i) ∝ 1.5^i and the mean diverge; the corrected C gives μ* = 0.5', () => {
      expect(Number(row('mindthestep', 'Cor 1 as printed (p = 0.2, μ* = 0.5)').measured.replace('max |E x_t| = ', ''))).toBeGreaterThan(1e6);
      expect(named(row('mindthestep', 'Cor 1 corrected (p = 0.2, μ* = 0.5)').measured, 'μ')).toContainValue(0.5);
    });
    it('MindTheStep Thm 4: Σ∇ has slope 1 on the boundary series (not 0 as printed)', () => {
      const ci = ciOf(row('mindthestep', 'Thm 4 (CMP(4, 1.2), Eq. 14)').measured);
      expect(ci).toContainValue(1);
      expect(ci).not.toContainValue(0);
    });
    it('Aji & Heafield Table 2: constant gradients give θ_6 = −6α = −0.006 exactly; the others round to the printed −0.005, −0.000', () => {
      const th = row('accumulation', 'Aji & Heafield Table 2').measured.match(/θ_6 = (\S+), (\S+), ([^;]+);/)!.slice(1).map(Number);
      expect(printed(String(th[0]))).toContainValue(-0.006);
      expect(Math.round(th[1] * 1000) / 1000).toBe(-0.005);
      expect(Math.abs(Math.round(th[2] * 1000))).toBe(0);
    });
    it('Aji & Heafield Section 3: with CV = 0 every Adam step is exactly α (m̂/√v̂ = 1)', () => {
      expect(row('accumulation', 'Aji & Heafield Section 3').measured).toMatch(/^CV = 0: 1\.00 /);
    });
    it('Aji & Heafield Table 3 and its law: 3, 3, 1.5, 0.75 and (N − 1)/G exactly with equal compute times; Section 2.3: (U − 1)/2', () => {
      expect(row('accumulation', 'Aji & Heafield Table 3').measured.split(', ').map(Number)).toEqual([3, 3, 1.5, 0.75]);
      expect(row('accumulation', 'Table 3 law (derived)').measured).toBe('largest |measured − (N−1)/G| = 0.00');
      expect(row('accumulation', 'Aji & Heafield Section 2.3', 'average staleness').measured.split(', ').map(Number)).toEqual([(5 - 1) / 2, (7 - 1) / 2]);
    });
  });
});

interface Row {
  theorem: string;
  quantity: string;
  predicted: string;
  measured: string;
  verdict: { kind: string; reason: string };
}

/** [lo, hi] of a number printed to 3 significant digits: ± half a unit in the third digit. */
function printed(s: string): [number, number] {
  const v = Number(s.trim());
  expect(Number.isFinite(v), `a number: ${s}`).toBe(true);
  return widen(v, v);
}
function halfUnit(v: number): number {
  return v === 0 ? 5e-3 : 0.5 * 10 ** (Math.floor(Math.log10(Math.abs(v))) - 2);
}
function widen(lo: number, hi: number): [number, number] {
  return [lo - halfUnit(lo), hi + halfUnit(hi)];
}
/** The CI of "value (lo … hi)" at the start of a measured string, widened by the printing. */
function ciOf(s: string): [number, number] {
  const m = s.match(/^\S+ \((\S+) … (\S+)\)/);
  expect(m, s).not.toBeNull();
  return widen(Number(m![1]), Number(m![2]));
}
/** The CI of "name = value (lo … hi)" inside a measured string. */
function named(s: string, name: string): [number, number] {
  const m = s.match(new RegExp(`${name} = \\S+ \\((\\S+) … (\\S+)\\)`));
  expect(m, `${name} in ${s}`).not.toBeNull();
  return widen(Number(m![1]), Number(m![2]));
}

expect.extend({
  toContainValue(range: [number, number], x: number) {
    const pass = range[0] <= x && x <= range[1];
    return { pass, message: () => `expected [${range[0]}, ${range[1]}] ${pass ? 'not ' : ''}to contain ${x}` };
  },
});
declare module 'vitest' {
  interface Assertion {
    toContainValue(x: number): void;
  }
}

describe('check: exit codes', () => {
  it('--strict: exit 1 exactly when some verdict is violated', async () => {
    const { checkExitCode } = await import('../../src/cli/main.ts');
    const row = (kind: string) => ({ verdict: { kind } });
    expect(checkExitCode([{ rows: [row('holds'), row('violated')] }], true)).toBe(EXIT.violated);
    expect(checkExitCode([{ rows: [row('holds'), row('violated')] }], false)).toBe(EXIT.ok);
    expect(checkExitCode([{ rows: [row('holds'), row('loose'), row('reported'), row('not-applicable')] }], true)).toBe(EXIT.ok);
    // and the real rates check, run with --strict, exits by that rule
    const out = mkdtempSync(join(tmpdir(), 'asgd-sdde-check-'));
    const r = await cli(['check', 'rates', '--quick', '--strict', '--json', '--no-png', '--out', out]);
    const report = JSON.parse(r.out);
    expect(r.code).toBe(checkExitCode(report.checks, true));
  });
  it('bad input: an unknown check or a bad --threads is refused with exit 2', async () => {
    expect((await cli(['check', 'nonsense', '--quick'])).code).toBe(EXIT.badInput);
    expect((await cli(['check', '--threads', '0'])).code).toBe(EXIT.badInput);
  });
});

describe('ensembles', () => {
  it('1 and 2 worker threads give bit-identical statistics (fixed blocks merged in order)', async () => {
    const source = configEnsemble({ kind: 'pair', seed: 1, asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.01, iterations: 300, batchSize: 1, delay: { kind: 'uniform', maxLag: 5 }, saveEvery: 30 }, bridge: { coupling: 'quantile', substeps: 2 } }, 'pair');
    const spec = { paths: 100, seed: 3, blockSize: 16, covariance: true, keepFinals: true };
    const one = await runEnsemble(source, { ...spec, threads: 1 });
    const two = await runEnsemble(source, { ...spec, threads: 2 });
    expect(two.threads).toBe(2);
    for (const name of ['asgd', 'sdde']) {
      expect(two.series[name].x.mean).toEqual(one.series[name].x.mean);
      expect(two.series[name].x.m2).toEqual(one.series[name].x.m2);
      expect(two.series[name].finals).toEqual(one.series[name].finals);
    }
    expect(two.distance!.mean).toEqual(one.distance!.mean);
  });
});
