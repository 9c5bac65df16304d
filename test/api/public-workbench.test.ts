/**
 * The workbench's verdict helpers and the report formatters (exports of src/index.ts and
 * src/browser.ts that no other test named), against independent values: SciPy's quantiles
 * (scipy.stats.norm.ppf / t.ppf, printed in the comments), verdicts on points built so the answer
 * is known by hand, and docs/workbench.md's list of claim kinds.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bonferroniQuantile, CLAIM_KINDS, equalityVerdict, formatTable, reportHtml, scalingVerdict } from '../../src/index.ts';

describe('workbench verdicts', () => {
  it('bonferroniQuantile: one-sided level 0.025/n, normal or Student t', () => {
    expect(bonferroniQuantile(1)).toBeCloseTo(1.959963984540054, 12); // norm.ppf(0.975)
    expect(bonferroniQuantile(5)).toBeCloseTo(2.5758293035489004, 12); // norm.ppf(0.995)
    // t.ppf(0.975, 10) = 2.228138851986274; the Cornish–Fisher quantile is within 4e-6 relative at ν = 10
    expect(Math.abs(bonferroniQuantile(1, 10) / 2.228138851986274 - 1)).toBeLessThan(1e-5);
  });
  it('equalityVerdict: 1.9 SE off holds, 3 SE off is violated (q = 1.96 for one point), a tolerance absorbs it', () => {
    const at = (dev: number) => [{ predicted: 10, value: 10 + dev * 0.5, se: 0.5, where: 'x' }];
    expect(equalityVerdict(at(1.9)).kind).toBe('holds');
    expect(equalityVerdict(at(3)).kind).toBe('violated');
    // |Δ| = 1.5, tolerance 0.1·|10| = 1 leaves 0.5 = 1 SE < 1.96
    expect(equalityVerdict(at(3), { relative: 0.1 }).kind).toBe('holds');
    expect(equalityVerdict([]).kind).toBe('not-applicable');
  });
  it('scalingVerdict: a 95% CI of 1.1 ± 1.96·0.02 excludes 1; strictly below a claimed 2 over a span of 100 is loose ×100', () => {
    const fit = (value: number, se: number, logSpan = Math.log(100)) => [{ value, se, where: 'all', logSpan }];
    expect(scalingVerdict(1, fit(1.1, 0.02), 'equal').kind).toBe('violated');
    expect(scalingVerdict(1, fit(1.1, 0.02), 'at-most').kind).toBe('violated');
    expect(scalingVerdict(1, fit(1.1, 0.02), 'at-least').kind).toBe('holds');
    expect(scalingVerdict(1.1, fit(1.1, 0.02), 'equal').kind).toBe('holds');
    const loose = scalingVerdict(2, fit(1, 0.01), 'at-most');
    expect(loose.kind).toBe('loose');
    expect(loose.looseness).toBeCloseTo(100, 8); // 100^(2 − 1)
  });
  it('CLAIM_KINDS are the kinds docs/workbench.md documents', () => {
    const doc = readFileSync(new URL('../../docs/workbench.md', import.meta.url), 'utf8');
    const row = doc.split('\n').find((l) => l.startsWith('| `kind` |'))!;
    expect([...row.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]).filter((k) => k !== 'kind' && k !== 'tolerance')).toEqual([...CLAIM_KINDS]);
  });
});

describe('report formatters', () => {
  const result = {
    name: 'demo',
    title: 'Demo <check>',
    rows: [
      { theorem: 'Thm A', quantity: 'q', predicted: '≤ 1', measured: '0.5 (0.4 … 0.6)', verdict: { kind: 'holds' as const, label: 'holds', reason: 'within "bound"' } },
      { theorem: 'Thm B', quantity: 'r', predicted: '= 0', measured: '3', verdict: { kind: 'violated' as const, label: 'violated', reason: 'far' } },
    ],
    figures: [],
    notes: [],
    data: {},
    seconds: 1.25,
  };
  it('formatTable: the title with its time, one line per row, and the count of each verdict kind', () => {
    const text = formatTable([result]);
    expect(text).toContain('Demo <check>  (1.3 s)');
    expect(text).toMatch(/Thm A .*│.*holds/);
    expect(text).toMatch(/Thm B .*│.*violated/);
    expect(text).toContain('2 rows: 1 hold, 0 hold loosely, 1 violated, 0 not applicable, 0 measured without a prediction.');
  });
  it('reportHtml: every row in the table, text escaped, the meta line', () => {
    const html = reportHtml([result], { seed: 1 });
    expect(html).toContain('<h2>Demo &lt;check&gt;</h2>');
    expect(html).toContain('title="within &quot;bound&quot;"');
    expect(html.match(/<tr><td>/g)!.length).toBe(2);
    expect(html).toContain('seed: 1');
  });
});
