/**
 * The explorer in a real browser: Debian's Chromium driven by playwright-core (never a downloaded
 * browser). The page loads without console errors, every plot has data, the approximation-error
 * readout shows the strong and weak errors, changing the delay changes the SDDE path, an invalid
 * value shows its message next to the control while the plots keep their data, a long computation
 * runs in the Web Worker (the page answers meanwhile) and can be cancelled, a diverging run is
 * shown as a status with its step and time (no huge numbers on an axis), and the d = 10 logistic
 * regression and MNIST objectives run with the axis-quantile coupling; screenshots are saved to a
 * temporary folder (the suite changes no tracked file); `npm run figures:explorer` sets
 * EXPLORER_FIGURES=figures to refresh figures/explorer*.png explicitly. CI installs chromium (scripts/setup.sh), so these tests run there; only a
 * developer machine without chromium skips the browser part, and says so.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explorerFiles } from '../../src/explorer/build.ts';
import { serveFiles } from '../../src/explorer/serve.ts';
import { CHROMIUM_FLAGS, chromiumPath } from '../../src/plot/png.ts';

const hasChromium = existsSync(chromiumPath());
const shots = process.env.EXPLORER_FIGURES ?? mkdtempSync(join(tmpdir(), 'asgd-sdde-explorer-'));
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
      ['paths-plot', 'approx-plot', 'moments-plot', 'staleness-plot'].map((id) => ((document.getElementById(id) as unknown as { data?: { y: number[] }[] }).data ?? []).map((t) => t.y.length)),
    );
  type State = { runs: number; errors: number; cancels: number; busy: boolean; started: number };
  const explorerState = (): Promise<State> => page.evaluate(() => (window as unknown as { __explorer: State }).__explorer);
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
    // the readout: the strong error with its CI and the weak errors at t_K
    const readout = await page.textContent('#readout');
    expect(readout).toMatch(/strong E‖x_K − X\(t_K\)‖ = [0-9.e−-]+ \(95% CI/);
    expect(readout).toContain('MMD²');
    expect(readout).toContain('quantile coupling');
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
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, 'explorer-invalid.png') });
    await setValue('eta', '0.005');
    expect(await page.textContent('.error[data-for="eta"]')).toBe('');
    await page.screenshot({ path: join(shots, 'explorer.png') });
    expect(consoleErrors).toEqual([]);
  });

  it('a long computation runs in the worker: the page answers meanwhile, shows progress, and cancel stops it keeping the plots', async () => {
    const before = await traceLengths();
    const cancels = (await explorerState()).cancels;
    await page.fill('#paths', '2000');
    await page.fill('#iterations', '20000');
    await page.waitForFunction(() => {
      const e = (window as unknown as { __explorer: { busy: boolean } }).__explorer;
      return e.busy && (document.getElementById('progress') as HTMLProgressElement).value > 0;
    }, undefined, { timeout: 60_000 });
    // the main thread is free: a round trip to the page completes while the worker is still busy
    // (an event order, not a timing: a computation on the main thread would answer only after it
    // ended, with busy false — cancel below is what ends it)
    const answeredWhileBusy = await page.evaluate(() => (window as unknown as { __explorer: { busy: boolean } }).__explorer.busy);
    expect(answeredWhileBusy).toBe(true);
    expect(await page.textContent('#status')).toMatch(/ensemble: \d+ of 2000 paths/);
    await page.click('#cancel');
    const after = await explorerState();
    expect(after.cancels).toBe(cancels + 1);
    expect(after.busy).toBe(false);
    expect(await page.textContent('#status')).toContain('cancelled');
    expect(await traceLengths()).toEqual(before);
    // back to small settings (one run)
    await page.fill('#iterations', '2000');
    await setValue('paths', '64');
    expect(consoleErrors).toEqual([]);
  });

  it('a diverging run is shown as such: status with step and time, no huge numbers on an axis', async () => {
    // toy, constant lag 10, η = 0.2: aτ = 4 > π/2, the mean grows like e^{Vt} but stays finite for
    // 2000 steps — shown as leaving the range, with the step and time where it does
    await setValue('eta', '0.2');
    expect(await page.textContent('#readout')).toMatch(/ASGD left the range \|x\| ≤ 10⁶·scale at step \d+ \(t = [0-9.e−-]+\): diverging/);
    await setValue('delayParam', '0');
    await setValue('eta', '2'); // lag 0: x_{k+1} = −3x_k + noise overflows: the run stops with status diverged
    const readout = await page.textContent('#readout');
    expect(readout).toMatch(/ASGD diverged at step \d+ \(t = [0-9.e−-]+\)/);
    expect(await page.textContent('#status')).toMatch(/diverged at step \d+/);
    const ys: number[] = await page.evaluate(() => (document.getElementById('paths-plot') as unknown as { data: { y: number[] }[] }).data.flatMap((t) => t.y));
    expect(ys.length).toBeGreaterThan(0);
    for (const y of ys) expect(Math.abs(y)).toBeLessThan(1e7); // cut where it leaves the range (scale 4 ⇒ 4·10⁶)
    await page.screenshot({ path: join(shots, 'explorer-diverged.png') });
    await setValue('delayParam', '10');
    await setValue('eta', '0.005');
  });

  it('d = 10: quantile is refused at the coupling control; axis-quantile runs logistic regression and MNIST', async () => {
    await page.selectOption('#coupling', 'quantile');
    await page.selectOption('#objective', 'logistic');
    await page.waitForFunction(() => document.querySelector('.error[data-for="coupling"]')?.textContent !== '', undefined, { timeout: 60_000 });
    expect(await page.textContent('.error[data-for="coupling"]')).toContain('axis-quantile');
    await page.fill('#iterations', '500');
    await page.fill('#paths', '16');
    await page.selectOption('#delay', 'uniform');
    await page.fill('#delayParam', '4');
    for (const objective of ['logistic', 'mnist']) {
      const runs = (await explorerState()).runs;
      await page.selectOption('#objective', objective);
      await page.selectOption('#coupling', 'axis-quantile');
      await page.waitForFunction((n: number) => (window as unknown as { __explorer: { runs: number } }).__explorer.runs > n, runs, { timeout: 120_000 });
      const readout = await page.textContent('#readout');
      expect(readout, objective).toContain('d = 10');
      expect(readout, objective).toContain('axis-quantile coupling');
      expect((await traceLengths())[0]).toEqual([501, 501]);
    }
    await page.screenshot({ path: join(shots, 'explorer-mnist.png') });
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
  it('the ensemble honours the coupling: its mean distance is the mean of the coupled pairs, and the quantile one is far below the independent one', async () => {
    const { explore, DEFAULT_SETTINGS } = await import('../../src/explorer/model.ts');
    const { asgdConfig } = await import('../../src/asgd/runner.ts');
    const { runPair } = await import('../../src/bridge/pair.ts');
    const { toyObjective } = await import('../../src/asgd/objectives/toy.ts');
    const s = { ...DEFAULT_SETTINGS, iterations: 400, paths: 40 };
    const q = explore(s);
    const ind = explore({ ...s, coupling: 'independent' });
    // the same pairs computed directly (paths 1..40 of the seed, as the model runs them)
    const cfg = asgdConfig({ objective: toyObjective(), x0: 4, eta: s.eta, iterations: 400, batchSize: 1, delay: { kind: 'constant', lag: 10 }, beforeHistory: 'clip' });
    let direct = 0;
    for (let p = 1; p <= 40; p++) direct += runPair(cfg, { coupling: 'quantile', seed: 1, path: p, substeps: 1, saveEvery: 2 }).distance.at(-1)! / 40;
    expect(q.approximation.final.mean).toBeCloseTo(direct, 12);
    // far below: the gap exceeds z = 3.29 combined standard errors (SE = 95% half-width / 1.96 of
    // each ensemble's reported interval; one comparison, false alarm 10⁻³)
    const se = (f: { lo: number; hi: number }) => (f.hi - f.lo) / (2 * 1.959963984540054);
    expect((ind.approximation.final.mean - q.approximation.final.mean) / Math.hypot(se(q.approximation.final), se(ind.approximation.final))).toBeGreaterThan(3.29);
    expect(q.approximation.weak!.paired).toBe(true);
    expect(ind.approximation.weak!.paired).toBe(false);
  });
  it('divergence is a status with its step and time, and no ensemble mean is taken over survivors', async () => {
    const { explore, DEFAULT_SETTINGS } = await import('../../src/explorer/model.ts');
    // lag 0, η = 2: x_{k+1} = −3x_k ± 4 overflows near k = 650
    const r = explore({ ...DEFAULT_SETTINGS, eta: 2, delayParam: 0, iterations: 2000, paths: 4 });
    expect(r.status.asgd.status).toBe('diverged');
    expect(r.status.asgd.time).toBeCloseTo(r.status.asgd.step! * 2, 12);
    expect(r.approximation.diverged).toBe(4);
    expect(r.approximation.weak).toBeUndefined();
    expect(r.moments.asgdMean.every((v) => Number.isNaN(v))).toBe(true);
    // unstable but finite (lag 10, η = 0.2: aτ = 4 > π/2): 'left-range' at the first state past 10⁶·4
    const u = explore({ ...DEFAULT_SETTINGS, eta: 0.2, iterations: 2000, paths: 4 });
    expect(u.status.asgd.status).toBe('left-range');
    expect(Math.max(...u.asgd.map(Math.abs))).toBeLessThanOrEqual(4e6);
    expect(u.asgd.length).toBe(u.k.length);
    expect(u.k.length).toBeLessThan(2001);
  });
  it('fits the four staleness models by Bhattacharyya distance; geometric lags are best fitted by the geometric model', async () => {
    const { explore, DEFAULT_SETTINGS } = await import('../../src/explorer/model.ts');
    const r = explore({ ...DEFAULT_SETTINGS, delay: 'geometric', delayParam: 0.3, maxLag: 30, iterations: 4000, paths: 4 });
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
    expect(controlOf('asgd.delay.maxLag', { delay: 'uniform' })).toBe('delayParam');
    expect(controlOf('asgd.batchSize')).toBe('batchSize');
    expect(controlOf('bridge.coupling')).toBe('coupling');
  });
});
