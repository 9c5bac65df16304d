/**
 * The explorer in a real browser: Debian's Chromium driven by playwright-core (never a downloaded
 * browser). The page loads without console errors, every plot has data, changing the delay
 * changes the SDDE path, an invalid value shows its message next to the control while the plots
 * keep their data; a screenshot is saved (figures/explorer.png). CI installs chromium
 * (scripts/setup.sh), so these tests run there; only a developer machine without chromium skips
 * the browser part, and says so.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explorerFiles } from '../../src/explorer/build.ts';
import { serveFiles } from '../../src/explorer/serve.ts';
import { CHROMIUM_FLAGS, chromiumPath } from '../../src/plot/png.ts';

const hasChromium = existsSync(chromiumPath());
if (process.env.CI && !hasChromium) throw new Error('CI must install chromium (scripts/setup.sh) for the browser tests');

describe.runIf(hasChromium)('explorer in Chromium', () => {
  let url = '';
  let close: () => void = () => {};
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let browser: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let page: any;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const served = await serveFiles(explorerFiles(), 0); // what `asgd-sdde explore` serves

    url = served.url;
    close = () => served.server.close();
    const { chromium } = await import('playwright-core');
    // playwright gives every launch a fresh temporary profile (the empty --user-data-dir)
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_FLAGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    page.on('console', (m: { type(): string; text(): string }) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e: Error) => consoleErrors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __explorer?: { runs: number } }).__explorer?.runs === 1, undefined, { timeout: 60_000 });
  });
  afterAll(async () => {
    await browser?.close();
    close();
  });

  const traceLengths = () =>
    page.evaluate(() =>
      ['paths-plot', 'moments-plot', 'staleness-plot'].map((id) => ((document.getElementById(id) as unknown as { data?: { y: number[] }[] }).data ?? []).map((t) => t.y.length)),
    );
  const sddePath = () => page.evaluate(() => (document.getElementById('paths-plot') as unknown as { data: { y: number[] }[] }).data[1].y);
  const setValue = async (id: string, value: string) => {
    const runs = await page.evaluate(() => (window as unknown as { __explorer: { runs: number; errors: number } }).__explorer.runs + (window as unknown as { __explorer: { errors: number } }).__explorer.errors);
    await page.fill(`#${id}`, value);
    await page.waitForFunction((n: number) => (window as unknown as { __explorer: { runs: number; errors: number } }).__explorer.runs + (window as unknown as { __explorer: { errors: number } }).__explorer.errors > n, runs, { timeout: 60_000 });
  };

  it('loads without console errors and every plot has data', async () => {
    expect(consoleErrors).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __explorer: { kernels: string } }).__explorer.kernels)).toBe('wasm-simd');
    const lengths = await traceLengths();
    expect(lengths[0]).toEqual([2001, 2001]); // ASGD and SDDE, K + 1 points
    for (const plot of lengths) for (const n of plot) expect(n).toBeGreaterThan(1);
  });

  it('changing the delay changes the SDDE path', async () => {
    const before = await sddePath();
    await setValue('delayParam', '30');
    const after = await sddePath();
    expect(after.length).toBe(before.length);
    expect(after).not.toEqual(before);
  });

  it('an invalid value shows its message next to the control, and the plots keep their data', async () => {
    const before = await traceLengths();
    await setValue('eta', '-0.01');
    const message = await page.textContent('.error[data-for="eta"]');
    expect(message).toContain('must be > 0');
    expect(await page.getAttribute('#eta', 'class')).toContain('invalid');
    expect(await traceLengths()).toEqual(before);
    mkdirSync('figures', { recursive: true });
    await page.screenshot({ path: 'figures/explorer-invalid.png' });
    await setValue('eta', '0.005');
    expect(await page.textContent('.error[data-for="eta"]')).toBe('');
    await page.screenshot({ path: 'figures/explorer.png' });
    expect(consoleErrors).toEqual([]);
  });
});

describe('explorer model (no browser needed)', () => {
  it('records the staleness for every coupling, and draws the decay envelope only for constant delays', async () => {
    const { explore, DEFAULT_SETTINGS } = await import('../../src/explorer/model.ts');
    for (const coupling of ['independent', 'shared-brownian', 'quantile'] as const) {
      const r = explore({ ...DEFAULT_SETTINGS, coupling, delay: 'uniform', delayParam: 4, iterations: 400, paths: 4 });
      expect(r.staleness.observed.reduce((a, b) => a + b, 0), coupling).toBeCloseTo(1, 12);
      expect(Number.isNaN(r.moments.V)).toBe(true);
    }
    expect(Number.isFinite(explore({ ...DEFAULT_SETTINGS, iterations: 400, paths: 4 }).moments.V)).toBe(true);
  });
  it('fits the four staleness models by Bhattacharyya distance; geometric lags are best fitted by the geometric model', async () => {
    const { explore, DEFAULT_SETTINGS } = await import('../../src/explorer/model.ts');
    const r = explore({ ...DEFAULT_SETTINGS, delay: 'geometric', delayParam: 0.3, maxLag: 30, iterations: 4000, paths: 2 });
    expect(r.staleness.fits.map((f) => f.model)).toEqual(['geometric', 'uniform', 'poisson', 'cmp']);
    for (const f of r.staleness.fits) {
      expect(f.pmf.length).toBe(r.staleness.lags.length);
      expect(Number.isFinite(f.distance)).toBe(true);
    }
    const best = [...r.staleness.fits].sort((a, b) => a.distance - b.distance)[0];
    expect(best.model).toBe('geometric');
    // the fitted p is the configured one within sampling error (4000 lags: SE of p̂ ≈ p√((1−p)/n) ≈ 0.004)
    expect(Math.abs(best.params.p - 0.3)).toBeLessThan(0.02);
  });
  it('maps refused fields to their controls', async () => {
    const { controlOf } = await import('../../src/explorer/model.ts');
    expect(controlOf('asgd.eta')).toBe('eta');
    expect(controlOf('asgd.delay.p')).toBe('delayParam');
    expect(controlOf('asgd.delay.maxLag')).toBe('maxLag');
    expect(controlOf('asgd.batchSize')).toBe('batchSize');
    expect(controlOf('bridge.coupling')).toBe('coupling');
  });
});
