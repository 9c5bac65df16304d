/**
 * The study benchmark (issue 15): how fast the approximation-error studies run, not a test.
 *
 *   node --import tsx bench/study.ts threads   grid points in parallel vs 1 thread vs paths split
 *   node --import tsx bench/study.ts cost      CPU per ASGD+SDDE pair step of each shipped study
 *
 * `threads` runs one reduced study (least squares n = 10⁴, d = 20, K = 2000, 100 paths, 12 points)
 * three ways in turn, twice (A B C A B C), and prints each wall time and the ratios of the paired
 * runs: 2 threads taking whole points, 1 thread, and 2 threads splitting each point's paths (the
 * only parallelism of sweeps before issue 15). It checks that the three tables are bit-identical.
 *
 * `cost` runs three points (first, middle, last) of every examples/study-*.json with 8 paths each on
 * one thread and prints the CPU seconds per pair step (process.cpuUsage), and the CPU time the full
 * study would take at their mean cost:
 * the number to compare between machines, since wall time on a shared machine depends on the load.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { configEnsemble } from '../src/experiments/ensemble-source.ts';
import { prepareExperiment } from '../src/experiments/config.ts';
import { runEnsemble } from '../src/stats/ensemble.ts';
import { runPreparedSweep } from '../src/sweep/run.ts';
import { prepareSweep, type PointResult } from '../src/sweep/sweep.ts';

const mode = process.argv[2] ?? 'threads';

async function threads(): Promise<void> {
  const spec = JSON.parse(readFileSync(new URL('../examples/study-least-squares-d20.json', import.meta.url), 'utf8'));
  spec.base.asgd.iterations = 2000;
  spec.base.asgd.eta = 1 / 2000;
  spec.base.asgd.saveEvery = 2000;
  spec.grid = { 'asgd.batchSize': [1, 4, 16, 64], 'asgd.delay.maxLag': [0, 3, 15] };
  spec.paths = 100;
  const sw = prepareSweep(spec);
  const ways = {
    'points on 2 threads': async () => (await runPreparedSweep(sw, { threads: 2 })).rows,
    '1 thread': async () => (await runPreparedSweep(sw, { threads: 1 })).rows,
    // before: each point's ensemble split its paths over 2 threads, points one after the other
    'paths split on 2 threads': async () => {
      const rows: PointResult[] = [];
      for (const p of sw.points) {
        const t0 = performance.now();
        const e = await runEnsemble(configEnsemble(p.config, 'pair'), { paths: sw.spec.paths, seed: sw.seed, threads: 2 });
        rows.push({ point: p.index, values: p.values, metric: e.distance!.meanAt(e.k.length - 1), se: e.distance!.standardError(e.k.length - 1), diverged: 0, seconds: (performance.now() - t0) / 1000 });
      }
      return rows;
    },
  };
  const wall: Record<string, number[]> = {};
  const tables: Record<string, string> = {};
  for (let round = 0; round < 2; round++) {
    for (const [name, run] of Object.entries(ways)) {
      const t0 = performance.now();
      const rows = await run();
      (wall[name] ??= []).push((performance.now() - t0) / 1000);
      tables[name] = JSON.stringify(rows.map((r) => [r.point, r.metric, r.se]));
    }
  }
  const same = Object.values(tables).every((t) => t === tables['1 thread']);
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model}), load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (shared with other jobs)`);
  for (const [name, ws] of Object.entries(wall)) console.log(`${name.padEnd(26)} wall ${ws.map((w) => w.toFixed(1)).join(' s, ')} s`);
  const ratio = (a: string, b: string) => wall[a].map((w, i) => wall[b][i] / w);
  console.log(`speed-up, points on 2 threads vs 1 thread (paired runs): ${ratio('points on 2 threads', '1 thread').map((r) => r.toFixed(2)).join(', ')}`);
  console.log(`speed-up, points on 2 threads vs paths split on 2 threads: ${ratio('points on 2 threads', 'paths split on 2 threads').map((r) => r.toFixed(2)).join(', ')}`);
  console.log(`tables bit-identical: ${same ? 'yes' : 'NO'}`);
}

async function cost(): Promise<void> {
  const dir = new URL('../examples/', import.meta.url);
  for (const f of readdirSync(dir).filter((n) => n.startsWith('study-')).sort()) {
    const spec = JSON.parse(readFileSync(new URL(f, dir), 'utf8'));
    let sw;
    try {
      sw = prepareSweep(spec);
    } catch (e) {
      console.log(`${f}: skipped (${(e as Error).message.split('\n')[0]})`);
      continue;
    }
    // three points (first, middle, last: the batch sizes of the grid's ends) with 8 paths each
    const sample = [...new Set([0, Math.floor(sw.points.length / 2), sw.points.length - 1])].map((i) => sw.points[i]);
    const perPoint: number[] = [];
    let prep = prepareExperiment(sample[0].config);
    for (const p of sample) {
      prep = prepareExperiment(p.config);
      if (prep.kind !== 'pair') break;
      const K = prep.asgd.iterations;
      const paths = 8;
      // build the model (objective, sampled law) outside the timed part, as a worker does once
      const source = configEnsemble(p.config, 'pair');
      await runEnsemble(source, { paths: 1, seed: sw.seed });
      const c0 = process.cpuUsage();
      await runEnsemble(source, { paths, seed: sw.seed, threads: 1 });
      const c = process.cpuUsage(c0);
      perPoint.push((c.user + c.system) / 1e6 / (paths * K));
    }
    if (prep.kind !== 'pair') continue;
    const perStep = perPoint.reduce((a, v) => a + v, 0) / perPoint.length;
    // the full study: every point's K (zipped keys can change it) × paths
    let steps = 0;
    for (const q of sw.points) {
      const r = prepareExperiment(q.config);
      if (r.kind === 'pair') steps += r.asgd.iterations * sw.spec.paths;
    }
    console.log(`${f.padEnd(36)} ${prep.asgd.objective.name} n = ${prep.asgd.objective.n}, d = ${prep.asgd.objective.dim}: ${perPoint.map((v) => (v * 1e6).toFixed(1)).join(' / ')} µs CPU per pair step at points ${sample.map((q) => q.index).join(', ')}; full study ${(steps / 1e6).toFixed(1)}·10⁶ pair steps ≈ ${((steps * perStep) / 60).toFixed(1)} CPU-minutes (${((steps * perStep) / 120).toFixed(1)} min on 2 free cores)`);
  }
}

await (mode === 'cost' ? cost() : threads());
