/**
 * `npm run bench`: every workload in three programs in the same run — the C reference
 * (bench/c/em.c, compiled -O3 here), the NumPy reference (bench/numpy/em.py) and asgd-sdde
 * (bench/js/em.ts) — each in its own process, best of `REPEATS` runs. Prints throughput and the
 * ratios asgd-sdde/C and asgd-sdde/NumPy, checks that the programs' statistics agree (so no
 * program is fast because it is wrong), and writes bench/results.json and the README table.
 * Not part of the tests.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 2);
const cores = availableParallelism();

interface Result {
  program: string;
  workload: string;
  seconds: number;
  units: number;
  throughput: number;
  peakRssMB: number;
  stats: Record<string, number>;
}

function run(cmd: string, args: string[]): Result {
  const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

function best(cmd: string, args: string[]): Result {
  let b: Result | undefined;
  for (let i = 0; i < REPEATS; i++) {
    const r = run(cmd, args);
    if (!b || r.throughput > b.throughput) b = r;
  }
  return b!;
}

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    return 'unknown';
  }
}

console.error('building the C reference …');
execFileSync('bash', ['bench/c/build.sh'], { stdio: 'inherit' });

const programs = (w: string): [string, string, string[]][] => [
  ['c', 'bench/c/em', [w, '--seed', '1']],
  ['numpy', 'python3', ['bench/numpy/em.py', w, '--seed', '1']],
  ['asgd-sdde', process.execPath, ['--import', 'tsx', 'bench/js/em.ts', w, '--seed', '1', '--threads', '1']],
  ...(w === 'w1' && cores > 1 ? ([[`asgd-sdde-${cores}t`, process.execPath, ['--import', 'tsx', 'bench/js/em.ts', w, '--seed', '1', '--threads', String(cores)]]] as [string, string, string[]][]) : []),
];

const results: Record<string, Record<string, Result>> = {};
for (const w of ['w1', 'w2', 'w3', 'w4']) {
  results[w] = {};
  for (const [name, cmd, args] of programs(w)) {
    console.error(`${w}: ${name} …`);
    results[w][name] = best(cmd, args);
  }
}

// ---- the statistics must agree: nobody is fast because they are wrong ----
const agree: Record<string, { ok: boolean; detail: string }> = {};
{
  const r = results.w1;
  const names = Object.keys(r);
  let ok = true;
  const parts: string[] = [];
  for (const a of names) {
    for (const b of names) {
      if (a >= b) continue;
      const z = Math.abs(r[a].stats.meanX2 - r[b].stats.meanX2) / Math.hypot(r[a].stats.seX2, r[b].stats.seX2);
      if (!(z < 5) && r[a].stats.fingerprint !== r[b].stats.fingerprint) ok = false;
      parts.push(`${a}/${b} z = ${z.toFixed(2)}`);
    }
  }
  const bitIdentical = cores > 1 ? r['asgd-sdde'].stats.fingerprint === r[`asgd-sdde-${cores}t`].stats.fingerprint : true;
  agree.w1 = { ok: ok && bitIdentical, detail: `E X(T)² pairwise within 5 SE (${parts.join(', ')}); 1 vs ${cores} threads bit-identical: ${bitIdentical}` };
}
const within = (w: string, key: string, rel: number) => {
  const vals = Object.entries(results[w]).map(([n, r]) => [n, r.stats[key]] as const);
  const ref = vals[0][1];
  const ok = vals.every(([, v]) => Math.abs(v / ref - 1) <= rel);
  return { ok, detail: `${key}: ${vals.map(([n, v]) => `${n} ${v.toPrecision(4)}`).join(', ')} (agree within ${rel * 100}%)` };
};
agree.w2 = within('w2', 'meanX2', 0.15); // a time average over ~9000 correlated time units
agree.w3 = within('w3', 'meanSq', 0.3); // 4 paths × 100 components, strongly correlated
agree.w4 = within('w4', 'finalF', 0.01); // F* = 0.0620; the stationary excess is ~1e-4

// ---- ratios and targets ----
const thr = (w: string, p: string) => results[w][p].throughput;
const multi = `asgd-sdde-${cores}t`;
const targets = [
  { name: 'W1, 1 thread ≥ 0.5 × C', value: thr('w1', 'asgd-sdde') / thr('w1', 'c'), target: 0.5 },
  { name: 'W1, 1 thread ≥ 1.5 × NumPy', value: thr('w1', 'asgd-sdde') / thr('w1', 'numpy'), target: 1.5 },
  ...(cores > 1 ? [{ name: `W1, ${cores} threads ≥ 1.7 × 1 thread (bit-identical)`, value: thr('w1', multi) / thr('w1', 'asgd-sdde'), target: 1.7 }] : []),
  { name: 'W2, peak RSS < 150 MB', value: results.w2['asgd-sdde'].peakRssMB, target: 150, lower: true },
  { name: 'W2 ≥ 0.5 × C', value: thr('w2', 'asgd-sdde') / thr('w2', 'c'), target: 0.5 },
  { name: 'W4 ≥ NumPy', value: thr('w4', 'asgd-sdde') / thr('w4', 'numpy'), target: 1 },
].map((t) => ({ ...t, met: (t as { lower?: boolean }).lower ? t.value < t.target : t.value >= t.target }));

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores,
  node: process.version,
  python: version('python3', ['--version']),
  numpy: version('python3', ['-c', 'import numpy; print(numpy.__version__)']),
  cc: version('cc', ['--version']),
};
const UNIT: Record<string, string> = { w1: 'path-steps/s', w2: 'steps/s', w3: 'path-steps/s', w4: 'iterations/s' };
const TITLE: Record<string, string> = {
  w1: 'W1 EM ensemble, lag 1000, N = 1000, K = 10⁵',
  w2: 'W2 one path, K = 10⁷, every 1000th saved',
  w3: 'W3 d = 100, full 100×100 diffusion',
  w4: 'W4 ASGD least squares n = 10⁴, d = 100, b = 32',
};
const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(1)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(1));
const lines = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${machine.cpu}, ${cores} cores; Node ${machine.node}, ${machine.python}, NumPy ${machine.numpy}, ${machine.cc}. Best of ${REPEATS} runs each.`,
  '',
  '| workload | C | NumPy | asgd-sdde | ÷ C | ÷ NumPy | peak RSS (asgd-sdde) | statistics agree |',
  '|---|---|---|---|---|---|---|---|',
];
for (const w of ['w1', 'w2', 'w3', 'w4']) {
  const r = results[w];
  const js = r['asgd-sdde'];
  lines.push(`| ${TITLE[w]} (${UNIT[w]}) | ${fmt(r.c.throughput)} | ${fmt(r.numpy.throughput)} | ${fmt(js.throughput)}${w === 'w1' && cores > 1 ? `; ${cores} threads: ${fmt(r[multi].throughput)}` : ''} | ${(js.throughput / r.c.throughput).toFixed(2)} | ${(js.throughput / r.numpy.throughput).toFixed(2)} | ${js.peakRssMB.toFixed(0)} MB | ${agree[w].ok ? 'yes' : 'NO'} |`);
}
lines.push('', '| target | measured | met |', '|---|---|---|');
for (const t of targets) lines.push(`| ${t.name} | ${t.value.toFixed(2)}${t.name.includes('RSS') ? ' MB' : '×'} | ${t.met ? 'yes' : 'no'} |`);
const table = lines.join('\n');

writeFileSync('bench/results.json', JSON.stringify({ date: new Date().toISOString(), machine, repeats: REPEATS, results, agree, targets }, null, 2) + '\n');
const readme = readFileSync('README.md', 'utf8');
const start = '<!-- bench:start -->';
const end = '<!-- bench:end -->';
if (readme.includes(start) && readme.includes(end)) {
  writeFileSync('README.md', readme.slice(0, readme.indexOf(start) + start.length) + '\n' + table + '\n' + readme.slice(readme.indexOf(end)));
}
console.log(table);
for (const [w, a] of Object.entries(agree)) console.log(`${w}: ${a.ok ? 'statistics agree' : 'STATISTICS DISAGREE'} — ${a.detail}`);
if (!Object.values(agree).every((a) => a.ok)) process.exitCode = 1;
