/** The notebook runner on a small fixture notebook (the real notebooks run with `npm run notebooks`). */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNotebook, runNotebook } from '../../scripts/run-notebooks.ts';

describe('notebooks', () => {
  it('parses percent-format cells', () => {
    const cells = parseNotebook(readFileSync('test/fixtures/notebook-sample.ts', 'utf8'));
    expect(cells.map((c) => c.kind)).toEqual(['markdown', 'code', 'markdown', 'code']);
    expect(cells[0].source).toBe('# A sample notebook\n\nText with *emphasis* and `code`.');
    expect(cells[1].source).toContain("import { nb, toyObjective }");
  });
  it('renders markdown, code, tables, text and figures into one page, outputs in their cells', async () => {
    const out = mkdtempSync(join(tmpdir(), 'asgd-sdde-nb-'));
    const r = await runNotebook('test/fixtures/notebook-sample.ts', out, false);
    const html = readFileSync(r.html, 'utf8');
    expect(html).toContain('<h1>A sample notebook</h1>');
    expect(html).toContain('<em>emphasis</em>');
    // the table follows the first code cell, with F(0) = 1 and F(1) = 2 computed by the notebook
    const first = html.indexOf('toyObjective');
    const table = html.indexOf('<table>');
    const second = html.indexOf('A second cell');
    expect(first).toBeLessThan(table);
    expect(table).toBeLessThan(second);
    expect(html).toMatch(/<td>0<\/td><td>1<\/td>/);
    expect(html).toMatch(/<td>1<\/td><td>2<\/td>/);
    expect(html.indexOf('plain output')).toBeGreaterThan(second);
    expect(html).toContain("Plotly.newPlot('fig-0'");
    expect(html).toContain('plotly.js-dist-min/plotly.min.js"');
    expect(existsSync('test/fixtures/.notebook-sample.run.ts')).toBe(false); // the instrumented copy is removed
  });
});
