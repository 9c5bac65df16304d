/**
 * The package as a user gets it: `npm pack`, then an offline install of the tarball into a new
 * project outside the repository, and four consumers (issue 10):
 *   (a) plain-JavaScript ESM run with `node`;
 *   (b) a strict TypeScript project (NodeNext, strict, noUncheckedIndexedAccess, skipLibCheck)
 *       compiled with tsc and run with `node`;
 *   (c) the CLI through `npx asgd-sdde`: --help, fig1 --no-png, explore --build;
 *   (d) an esbuild browser bundle of a script that imports the solver, run in Chromium (including
 *       the WebAssembly SIMD kernels against their TypeScript fallback).
 * Each computes a result checked against an independent value (closed forms written out here),
 * not only an exit status.
 *
 * Packing and the offline install are test/helpers/consumer-project.ts (shared with the
 * documentation's example test).
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_FLAGS, chromiumPath } from '../../src/plot/png.ts';
import { installPackedPackage, pkg, repo, run, runWithStderr, type PackedTarball } from '../helpers/consumer-project.ts';

const fixtures = fileURLToPath(new URL('./consumer/', import.meta.url));

function duBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += duBytes(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

/** EM's exact moments for dX = −aX dt + s dB (see consumer/plain.mjs). */
function emOuMoments(a: number, s: number, x0: number, h: number, n: number): { mean: number; variance: number } {
  const r = 1 - a * h;
  return { mean: x0 * r ** n, variance: (s * s * h * (1 - r ** (2 * n))) / (1 - r * r) };
}

describe('the packed tarball, installed offline into a new project', () => {
  let work = '';
  let project = '';
  let packed: PackedTarball;

  beforeAll(() => {
    ({ work, project, packed } = installPackedPackage('asgd-sdde-consumer-'));
    for (const f of readdirSync(fixtures)) copyFileSync(join(fixtures, f), join(project, f));
    console.log(
      `package: tarball ${(packed.size / 1024).toFixed(0)} kB (${packed.files.length} files, ${(packed.unpackedSize / 1e6).toFixed(2)} MB unpacked); ` +
        `installed node_modules ${(duBytes(join(project, 'node_modules')) / 1e6).toFixed(1)} MB`,
    );
  }, 300_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships the built JavaScript, the declarations, the CLI, the examples, the notebooks with their runner, the prebuilt explorer, the changelog and the LICENSE, and no tests', () => {
    const files = new Set(packed.files.map((f) => f.path));
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/browser.js', 'dist/browser.d.ts', 'dist/cli/main.js', 'dist/stats/pool-worker.js', 'dist/web/explorer.js', 'dist/web/explorer-worker.js', 'dist/web/mnist-3v8.json', 'dist/web/index.html', 'bin/asgd-sdde.js', 'LICENSE', 'README.md', 'CHANGELOG.md', 'examples/pair-toy-quantile.json', 'notebooks/01-path-comparison.ts', 'scripts/run-notebooks.ts']) {
      expect(files.has(f), f).toBe(true);
    }
    expect([...files].filter((f) => f.startsWith('test/') || f.startsWith('node_modules/') || f.startsWith('figures/') || f.startsWith('docs/') || (f.startsWith('scripts/') && f !== 'scripts/run-notebooks.ts'))).toEqual([]);
    // dependencies are what a user needs at run time; tools of the repository are not installed
    const installed = readdirSync(join(project, 'node_modules'));
    for (const dev of ['tsx', 'esbuild', 'typescript', 'vitest', 'playwright-core', 'random-js']) expect(installed, dev).not.toContain(dev);
  });

  it('(a) plain ESM with node: OU moments at T match the Euler–Maruyama closed form; ensembles on 1 and 2 worker threads agree bit for bit; the real-thread server runs and replays', () => {
    const out = JSON.parse(run(process.execPath, ['plain.mjs'], project)) as { version: string; mean: number; variance: number; ensembleMean: number; ensembleVariance: number; threads: number[]; sameBits: boolean; threadedApplied: number; threadedReplayExact: boolean };
    const N = 4000;
    const { mean, variance } = emOuMoments(1.5, 0.4, 1, 0.01, 100);
    // tolerances: 4 standard errors; SE(mean) = √(Var/N), SE(variance) = Var·√(2/(N−1)) for a Gaussian
    const seMean = Math.sqrt(variance / N);
    const seVar = variance * Math.sqrt(2 / (N - 1));
    expect(out.version).toBe(pkg.version);
    for (const [m, v] of [[out.mean, out.variance], [out.ensembleMean, out.ensembleVariance]] as const) {
      expect(Math.abs(m - mean), `mean ${m} vs ${mean} ± ${seMean}`).toBeLessThan(4 * seMean);
      expect(Math.abs(v - variance), `variance ${v} vs ${variance} ± ${seVar}`).toBeLessThan(4 * seVar);
    }
    expect(out.threads).toEqual([1, 2]);
    expect(out.sameBits).toBe(true);
    expect(out.threadedApplied).toBe(200);
    expect(out.threadedReplayExact).toBe(true);
  });

  it('(b) strict TypeScript (NodeNext, noUncheckedIndexedAccess) compiles against the declarations and follows x_{k+1} = x_k − 2η x_{k−min(l,k)}', () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, skipLibCheck: true, outDir: 'out', typeRoots: [join(repo, 'node_modules', '@types')], types: ['node'] },
        files: ['strict.ts'],
      }),
    );
    run(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], project);
    const eta = 0.01;
    for (const lag of [0, 3]) {
      const out = JSON.parse(run(process.execPath, ['out/strict.js', String(lag)], project)) as { status: string; k: number[]; x: number[]; refused: string };
      expect(out.status).toBe('ok');
      expect(out.k).toEqual(Array.from({ length: 201 }, (_, i) => i));
      const x = [4];
      for (let k = 0; k < 200; k++) x.push(x[k]! - 2 * eta * x[k - Math.min(lag, k)]!);
      out.x.forEach((v, i) => expect(Math.abs(v - x[i]!), `lag ${lag}, k = ${i}`).toBeLessThan(1e-12 * Math.abs(x[i]!) + 1e-300));
      expect(out.refused).toMatch(/eta/);
    }
  });

  it('(c) npx asgd-sdde: --help names the shipped examples; fig1 --no-png computes the ASGD recursion; explore --build writes a working site', () => {
    const help = run('npx', ['--offline', 'asgd-sdde', '--help'], project);
    const examples = /(\S+examples\/)\s*$/m.exec(help)?.[1];
    expect(examples && existsSync(join(examples, 'pair-toy-quantile.json')), help).toBe(true);

    run('npx', ['--offline', 'asgd-sdde', 'fig1', '--no-png', '--out', 'fig1'], project);
    const csv = readFileSync(join(project, 'fig1', 'fig1-path-comparison.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('k,t,asgd,sdde,sgd,sde');
    const rows = csv.slice(1).map((l) => l.split(',').map(Number));
    expect(rows.length).toBe(2001);
    // Fig. 1 (He et al. Section 5): b = 1 from f_{1,2} = (x ± 1)², so each step is
    // x_{k+1} = x_k − η·2(x_{k−l_k} ± 1) with η = 0.005 and l_k = 0 for k < 10 (warm-up), 10 after.
    const eta = 0.005;
    for (const [col, lagOf] of [[2, (k: number) => (k < 10 ? 0 : 10)], [4, () => 0]] as const) {
      for (let k = 0; k + 1 < rows.length; k++) {
        const sign = (rows[k]![col]! - rows[k + 1]![col]!) / (2 * eta) - rows[k - lagOf(k)]![col]!;
        expect(Math.abs(Math.abs(sign) - 1), `column ${col}, k = ${k}`).toBeLessThan(1e-6);
      }
    }
    const html = readFileSync(join(project, 'fig1', 'fig1-path-comparison.html'), 'utf8');
    const src = /<script src="([^"]+)"><\/script>/.exec(html)![1]!;
    expect(resolve(project, 'fig1', decodeURIComponent(src))).toBe(join(project, 'node_modules', 'plotly.js-dist-min', 'plotly.min.js'));
    expect(readdirSync(join(project, 'fig1')).sort()).toEqual(['fig1-path-comparison.csv', 'fig1-path-comparison.html', 'fig1-path-comparison.json']);

    // PNG rendering is optional: without playwright-core the figure is still written, and the note says how to get PNGs
    const { stderr } = runWithStderr('npx', ['--offline', 'asgd-sdde', 'fig1', '--out', 'fig1-png'], project);
    expect(stderr).toMatch(/playwright-core is not installed: `npm install playwright-core`/);
    expect(readdirSync(join(project, 'fig1-png')).sort()).toEqual(['fig1-path-comparison.csv', 'fig1-path-comparison.html', 'fig1-path-comparison.json']);

    run('npx', ['--offline', 'asgd-sdde', 'explore', '--build', 'site'], project);
    expect(readdirSync(join(project, 'site')).sort()).toEqual(['explorer-worker.js', 'explorer.js', 'index.html', 'mnist-3v8.json', 'plotly.js']);
    const js = readFileSync(join(project, 'site', 'explorer-worker.js'), 'utf8');
    expect(js.length).toBeLessThan(400_000); // the library for the worker, not all of mathjs
    expect(readFileSync(join(project, 'site', 'explorer.js'), 'utf8').length).toBeLessThan(50_000); // the page: controls and plots only
    expect(readFileSync(join(project, 'site', 'index.html'), 'utf8')).toContain('explorer.js');
  });

  const hasChromium = existsSync(chromiumPath());
  it('(d) an esbuild browser bundle of a script importing the solver runs in Chromium: OU moments match the closed form', async () => {
    const { build } = await import('esbuild');
    const result = await build({ entryPoints: [join(project, 'browser.mjs')], bundle: true, platform: 'browser', format: 'iife', minify: true, outfile: join(project, 'www', 'bundle.js'), absWorkingDir: project, metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((f) => f.includes('node_modules/asgd-sdde/dist/browser.js')), inputs.join('\n')).toBe(true);
    // tree-shaken: what reaches the bundle from mathjs (the solver uses none of it)
    const inBundle = Object.values(result.metafile.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([f, i]) => [f, i.bytesInOutput] as const));
    const mathjsBytes = inBundle.filter(([f]) => f.includes('node_modules/mathjs/')).reduce((t, [, b]) => t + b, 0);
    expect(mathjsBytes, `mathjs in the solver's bundle; largest inputs: ${inBundle.sort((x, y) => y[1] - x[1]).slice(0, 5).map(([f, b]) => `${f} ${b}`).join(', ')}`).toBe(0);
    const bytes = statSync(join(project, 'www', 'bundle.js')).size;
    console.log(`browser bundle of the solver: ${(bytes / 1024).toFixed(0)} kB`);
    writeFileSync(join(project, 'www', 'index.html'), '<!doctype html><html><body><script src="bundle.js"></script></body></html>');
    if (!hasChromium) {
      expect(process.env.CI, 'CI must install chromium (scripts/setup.sh)').toBeFalsy();
      return;
    }
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_FLAGS });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`file://${join(project, 'www', 'index.html')}`);
      await page.waitForFunction(() => document.body.dataset.ready === '1', undefined, { timeout: 60_000 });
      type Moments = { mean: number; variance: number; fingerprint: number };
      const out = (await page.evaluate(() => (window as unknown as { result: unknown }).result)) as Moments & { userAgent: string; backendAtLoad: string; backend: string; wasm: Moments; ts: Moments; error?: string };
      expect(errors).toEqual([]);
      expect(out.error).toBeUndefined();
      expect(out.userAgent).toMatch(/Chrome/);
      const N = 4000;
      const { mean, variance } = emOuMoments(1.5, 0.4, 1, 0.01, 100);
      for (const m of [out, out.wasm]) {
        expect(Math.abs(m.mean - mean)).toBeLessThan(4 * Math.sqrt(variance / N));
        expect(Math.abs(m.variance - variance)).toBeLessThan(4 * variance * Math.sqrt(2 / (N - 1)));
      }
      // the WebAssembly SIMD kernels run in the browser, and their fallback gives the same bits
      console.log(`browser kernels: ${out.backendAtLoad} at load, ${out.backend} after kernelsReady()`);
      expect(out.backend).toBe('wasm-simd');
      expect(out.wasm).toEqual(out.ts);
      // the linear drift −a·x is the function drift's arithmetic: the same bits as the general loop
      expect(out.wasm).toEqual({ mean: out.mean, variance: out.variance, fingerprint: out.fingerprint });
    } finally {
      await browser.close();
    }
  });
});
