/**
 * Figure pages and their PNG rendering in Debian's Chromium. CI installs chromium, so there the
 * rendering branch must run; the fallback is exercised with a path that does not exist.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { figureHtml, plotlyScriptTags, writeFigureHtml } from '../../src/plot/html.ts';
import { chromiumPath, renderPng } from '../../src/plot/png.ts';

const fig = {
  title: 'A <test> figure',
  data: [{ type: 'scatter', mode: 'lines', x: [0, 1, 2], y: Float64Array.of(1, 4, 9) }],
  layout: {},
  caption: 'first paragraph\n\nsecond </script> paragraph',
};

describe('figure pages', () => {
  it('escape text and serialize typed arrays; by default the script tag names a copy beside the page', () => {
    const html = figureHtml(fig);
    expect(html).toContain('<script src="plotly.js"></script>');
    expect(html).toContain('A &lt;test&gt; figure');
    expect(html).toContain('"y":[1,4,9]');
    expect(html).toContain('<p>second &lt;/script&gt; paragraph</p>');
    expect(html.match(/<\/script>/g)!.length).toBe(2); // only the two real script tags close
  });
  it("writeFigureHtml links the installed plotly by a relative path (no copy), with the same version on plotly's CDN as fallback", () => {
    const dir = mkdtempSync(join(tmpdir(), 'asgd-sdde-fig-'));
    writeFigureHtml(join(dir, 'a.html'), fig);
    expect(readdirSync(dir)).toEqual(['a.html']);
    const html = readFileSync(join(dir, 'a.html'), 'utf8');
    const src = /<script src="([^"]+)"><\/script>/.exec(html)![1];
    // resolved independently of the code under test: Node's resolution of the package from here
    const installed = createRequire(import.meta.url).resolve('plotly.js-dist-min');
    expect(resolve(dir, decodeURIComponent(src))).toBe(installed);
    const version = (JSON.parse(readFileSync(join(installed, '..', 'package.json'), 'utf8')) as { version: string }).version;
    expect(html).toContain(`https://cdn.plot.ly/plotly-${version}.min.js`);
  });
  it("'copy' puts plotly.js beside the pages once, and the pages load it from there", () => {
    const dir = mkdtempSync(join(tmpdir(), 'asgd-sdde-fig-'));
    writeFigureHtml(join(dir, 'a.html'), fig, 'copy');
    writeFigureHtml(join(dir, 'b.html'), fig, 'copy');
    expect(readdirSync(dir).sort()).toEqual(['a.html', 'b.html', 'plotly.js']);
    expect(readFileSync(join(dir, 'plotly.js')).length).toBeGreaterThan(1_000_000);
    expect(readFileSync(join(dir, 'b.html'), 'utf8')).toContain('<script src="plotly.js"></script>');
    expect(plotlyScriptTags(dir, 'copy')).toBe('<script src="plotly.js"></script>');
  });
  it('a page directory whose relative path needs escaping still links the installed copy', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'asgd-sdde-fig-')), 'a dir with spaces & #');
    writeFigureHtml(join(dir, 'a.html'), fig);
    const src = /<script src="([^"]+)"><\/script>/.exec(readFileSync(join(dir, 'a.html'), 'utf8'))![1];
    expect(src).not.toMatch(/[ #]/);
    expect(existsSync(resolve(dir, decodeURIComponent(src.replace(/&amp;/g, '&'))))).toBe(true);
  });
});

describe('PNG rendering', () => {
  it('without Chromium: says so and how to install it, writes no PNG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asgd-sdde-png-'));
    writeFigureHtml(join(dir, 'a.html'), fig);
    const saved = process.env.CHROMIUM_PATH;
    process.env.CHROMIUM_PATH = join(dir, 'no-such-chromium');
    try {
      const r = await renderPng(join(dir, 'a.html'), join(dir, 'a.png'));
      expect(r.ok).toBe(false);
      expect(!r.ok && r.reason).toContain('apt-get install -y chromium');
      expect(existsSync(join(dir, 'a.png'))).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.CHROMIUM_PATH;
      else process.env.CHROMIUM_PATH = saved;
    }
  });
  it('with Chromium (required in CI): a PNG of the whole page', async () => {
    if (!existsSync(chromiumPath())) {
      // Only a developer machine without chromium gets here; CI sets CI=true and installs it.
      expect(process.env.CI, 'CI must install chromium (scripts/setup.sh)').toBeFalsy();
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'asgd-sdde-png-'));
    writeFigureHtml(join(dir, 'a.html'), fig);
    const r = await renderPng(join(dir, 'a.html'), join(dir, 'a.png'));
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const png = readFileSync(join(dir, 'a.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(1200);
  });
});
