/**
 * runEnsemble in the browser (src/stats/ensemble.browser.ts, the "browser" twin of ensemble.ts):
 * an esbuild browser bundle of src/browser.ts, run in Chromium (playwright-core, Debian's
 * chromium), computes the ensemble of a module source (test/fixtures/ensemble-model.ts, bundled as
 * an ES module) in the page (threads 1) and on 2 Web Workers (the shipped worker script
 * dist/web/ensemble-worker.js); its means, second moments, counts and kept final states must equal
 * Node's runEnsemble (worker threads) for the same seed bit for bit. The expected values are Node's
 * runs, which test/stats/ensemble.test.ts checks against closed forms; this test checks that the
 * browser runtime gives the same bits. The per-path `output` of a module reference runs in the Web
 * Workers and `reduce` (with an early stop after block 3) in the page: outputs, reduction and
 * statistics must equal Node's, bit for bit, for 1, 2 and 3 threads. AbortSignal.timeout stops a
 * long ensemble in the page (one block: it must yield inside it) and on Web Workers. Also: the browser refuses
 * threads > 1 without a module source or without workerUrl, naming the field.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serveFiles } from '../../src/explorer/serve.ts';
import { CHROMIUM_FLAGS, chromiumPath } from '../../src/plot/png.ts';
import { runEnsemble, type EnsembleResult } from '../../src/stats/ensemble.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = new URL('../fixtures/ensemble-model.ts', import.meta.url);
const args = { a: 1, s: 0.3, tau: 0.5, T: 2, dt: 0.01 };
const options = { paths: 100, seed: 7, blockSize: 16, keepFinals: true };
const hasChromium = existsSync(chromiumPath());
/** The reduction of the output test: count and sum of the final states, stopping once 50 paths are in (block 3 of 16-path blocks). */
const REDUCE = `(acc, outs) => { const v = { n: acc.n + outs.length, sum: outs.reduce((a, o) => a + o[0], acc.sum) }; return v.n >= 50 ? { value: v, stop: true } : v; }`;
type Reduced = { n: number; sum: number };
const reduce = new Function(`return ${REDUCE}`)() as (acc: Reduced, outs: [number, number][]) => Reduced | { value: Reduced; stop: true };
if (process.env.CI && !hasChromium) throw new Error('CI must install chromium (scripts/setup.sh) for the browser tests');

/** Every statistic of an ensemble as hex of its bytes (bit-for-bit comparison, NaN and −0 included). */
function fingerprint(r: EnsembleResult): Record<string, string> {
  const hex = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
  const out: Record<string, string> = {};
  for (const [name, s] of Object.entries(r.series)) {
    out[`${name}.count`] = hex(s.x.count);
    out[`${name}.mean`] = hex(s.x.mean);
    out[`${name}.m2`] = hex(s.x.m2);
    out[`${name}.finals`] = hex(s.finals!);
    out[`${name}.envelope`] = String(s.envelope);
  }
  return out;
}

function twins(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? twins(join(dir, e.name)) : e.name.endsWith('.browser.ts') ? [join(dir, e.name)] : []));
}
const twinPlugin = {
  name: 'twins',
  setup(b: { onResolve(o: { filter: RegExp }, f: (a: { path: string; resolveDir: string }) => { path: string } | undefined): void }) {
    const all = twins(join(root, 'src'));
    b.onResolve({ filter: /\.ts$/ }, (a) => {
      const target = join(a.resolveDir, a.path).replace(/\.ts$/, '.browser.ts');
      return all.includes(target) ? { path: target } : undefined;
    });
  },
};

// the page: the library's browser entry, the ensemble on 1 thread and on 2 Web Workers, fingerprinted
const PAGE = `
import { runEnsemble } from '${join(root, 'src', 'browser.ts')}';
const hex = (a) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), (b) => b.toString(16).padStart(2, '0')).join('');
function fingerprint(r) {
  const out = {};
  for (const [name, s] of Object.entries(r.series)) {
    out[name + '.count'] = hex(s.x.count);
    out[name + '.mean'] = hex(s.x.mean);
    out[name + '.m2'] = hex(s.x.m2);
    out[name + '.finals'] = hex(s.finals);
    out[name + '.envelope'] = String(s.envelope);
  }
  return out;
}
async function refusal(p) {
  try { await p; return 'no refusal'; } catch (e) { return e.name + ' ' + e.message; }
}
/** What an output run gives, as bytes: outputs (value, index), reduction, paths run, statistics. */
function outputPrint(r) {
  const flat = Float64Array.from(r.outputs.flat());
  return { outputs: hex(flat), reduced: hex(Float64Array.of(r.reduced.n, r.reduced.sum)), paths: r.paths, stoppedEarly: r.stoppedEarly, stats: fingerprint(r) };
}
async function main() {
  const source = { module: new URL('model.js', location.href).href, export: 'delayedOu', args: ${JSON.stringify(args)} };
  const options = ${JSON.stringify(options)};
  let progress = 0;
  const one = await runEnsemble(source, { ...options, threads: 1 });
  const two = await runEnsemble(source, { ...options, threads: 2, workerUrl: 'ensemble-worker.js', onProgress: (done) => { progress = done; } });
  const noUrl = await refusal(runEnsemble(source, { ...options, threads: 2 }));
  const badExport = await refusal(runEnsemble({ ...source, export: 'nope' }, { ...options, threads: 2, workerUrl: 'ensemble-worker.js' }));
  const withOutput = { ...options, output: { module: new URL('model.js', location.href).href, export: 'finalFirst' }, reduce: ${REDUCE}, reduceInit: { n: 0, sum: 0 } };
  const outputs = [];
  for (const threads of [1, 2, 3]) {
    const r = await runEnsemble(source, { ...withOutput, threads, workerUrl: 'ensemble-worker.js' });
    outputs.push({ threads: r.threads, ...outputPrint(r) });
  }
  const badOutput = await refusal(runEnsemble(source, { ...withOutput, output: { module: withOutput.output.module, export: 'nope' }, threads: 2, workerUrl: 'ensemble-worker.js' }));
  // a timer aborts a long ensemble (minutes of work) in the page (its block yields) and on Web Workers
  const long = { ...source, args: { ...source.args, T: 50, dt: 1e-4 } };
  const timed = [];
  for (const threads of [1, 2]) {
    const t0 = performance.now();
    const why = await refusal(runEnsemble(long, { paths: 10000, blockSize: threads === 1 ? 10000 : 16, seed: 1, threads, workerUrl: 'ensemble-worker.js', signal: AbortSignal.timeout(300) }));
    timed.push({ threads, why, seconds: (performance.now() - t0) / 1000 });
  }
  window.result = { one: fingerprint(one), two: fingerprint(two), threads: [one.threads, two.threads], progress, noUrl, badExport, outputs, badOutput, timed };
}
main().catch((e) => { window.result = { error: String(e && e.stack || e) }; }).finally(() => { document.body.dataset.ready = '1'; });
`;

/** Node's run of the output test (worker threads; its outputs are checked against the paths in ensemble-analysis.test.ts), printed as the page prints. */
async function nodeOutputs() {
  const hex = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
  const runs = [];
  for (const threads of [1, 2]) {
    const r = await runEnsemble<[number, number], Reduced>({ module: fixture, export: 'delayedOu', args }, { ...options, threads, output: { module: fixture, export: 'finalFirst' }, reduce: reduce as never, reduceInit: { n: 0, sum: 0 } });
    runs.push({ threads: r.threads, outputs: hex(Float64Array.from(r.outputs!.flat())), reduced: hex(Float64Array.of(r.reduced!.n, r.reduced!.sum)), paths: r.paths, stoppedEarly: r.stoppedEarly!, stats: fingerprint(r) });
  }
  expect({ ...runs[1], threads: 0 }).toEqual({ ...runs[0], threads: 0 });
  return runs[0];
}

describe('runEnsemble in the browser', () => {
  it('Node: 1 and 2 worker threads agree bit for bit (the reference for the browser)', async () => {
    const ref = { module: fixture, export: 'delayedOu', args };
    const one = await runEnsemble(ref, { ...options, threads: 1 });
    const two = await runEnsemble(ref, { ...options, threads: 2 });
    expect(two.threads).toBe(2);
    expect(fingerprint(two)).toEqual(fingerprint(one));
  });

  it.runIf(hasChromium)('Chromium: in the page and on 2 Web Workers, the same bits as Node', async () => {
    const node = fingerprint(await runEnsemble({ module: fixture, export: 'delayedOu', args }, { ...options, threads: 1 }));
    const dir = mkdtempSync(join(tmpdir(), 'asgd-sdde-ensemble-web-'));
    const { build } = await import('esbuild');
    const served = { server: undefined as undefined | { close(): void } };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let browser: any;
    try {
      const common = { bundle: true, platform: 'browser' as const, target: 'es2022', logLevel: 'silent' as const, plugins: [twinPlugin] };
      await build({ ...common, entryPoints: [fileURLToPath(fixture)], format: 'esm', outfile: join(dir, 'model.js'), external: ['node:*'] });
      writeFileSync(join(dir, 'page.mjs'), PAGE);
      await build({ ...common, entryPoints: [join(dir, 'page.mjs')], format: 'iife', outfile: join(dir, 'page.js'), absWorkingDir: root });
      writeFileSync(join(dir, 'index.html'), '<!doctype html><html><body><script src="page.js"></script></body></html>');
      const worker = join(root, 'dist', 'web', 'ensemble-worker.js'); // what the package ships (the test setup builds dist/)
      expect(existsSync(worker), relative(root, worker)).toBe(true);
      const s = await serveFiles({ 'index.html': join(dir, 'index.html'), 'page.js': join(dir, 'page.js'), 'model.js': join(dir, 'model.js'), 'ensemble-worker.js': worker }, 0);
      served.server = s.server;
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_FLAGS });
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e: Error) => errors.push(String(e)));
      await page.goto(`${s.url.replace(/\/$/, '')}/index.html`);
      await page.waitForFunction(() => document.body.dataset.ready === '1', undefined, { timeout: 90_000 });
      type Printed = { threads: number; outputs: string; reduced: string; paths: number; stoppedEarly: boolean; stats: Record<string, string> };
      const out = (await page.evaluate(() => (window as unknown as { result: unknown }).result)) as { one: Record<string, string>; two: Record<string, string>; threads: number[]; progress: number; noUrl: string; badExport: string; outputs: Printed[]; badOutput: string; timed: { threads: number; why: string; seconds: number }[]; error?: string };
      expect(out.error).toBeUndefined();
      expect(errors).toEqual([]);
      expect(out.threads).toEqual([1, 2]);
      expect(out.progress).toBe(Math.ceil(options.paths / options.blockSize));
      expect(out.one).toEqual(node);
      expect(out.two).toEqual(node);
      expect(out.noUrl).toMatch(/ConfigError ensemble\.workerUrl/);
      expect(out.badExport).toMatch(/ConfigError ensemble\.export.*nope/);
      // output on Web Workers, reduce in the page: Node's bits for 1, 2 and 3 threads
      expect(out.outputs.map((o) => o.threads)).toEqual([1, 2, 3]);
      const nodeOut = await nodeOutputs();
      expect(nodeOut.paths).toBe(64); // stopped after block 3 (50 paths reached in block 3 of 16)
      for (const o of out.outputs) expect({ ...o, threads: 0 }).toEqual({ ...nodeOut, threads: 0 });
      expect(out.badOutput).toMatch(/ConfigError ensemble\.output\.export.*nope/);
      // AbortSignal.timeout(300) on 10 000 paths of 500 000 steps (minutes of work): rejected with its
      // TimeoutError; the time bound is loose (the page yields about every 50 ms of work)
      for (const t of out.timed) {
        expect(t.why, `threads ${t.threads}`).toMatch(/^TimeoutError/);
        expect(t.seconds, `threads ${t.threads}`).toBeLessThan(5);
      }
    } finally {
      await browser?.close();
      served.server?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
