/**
 * MindTheStep Section VI closer to a real system (issue 13): staleness measured on real threads
 * (the Table I analog, side by side with the simulated server at the fitted compute-time law) and
 * the Fig. 3 analog on real data (MNIST), on the simulated server and on real threads.
 *
 * Choices (also in the notes and captions):
 *  - MNIST: the `mnist` package's digits, the first 200 per digit (n = 2000), 50 principal
 *    components, global scaling (src/data/mnist.ts); softmax regression (λ = 0.01, 500
 *    parameters) and a one-hidden-layer tanh MLP (h = 32, λ = 0.01, 1962 parameters);
 *  - real threads: MNIST softmax gradients at b = 16 (tens of µs, far below the scheduler's time
 *    slice) and at b = 256 (hundreds of µs, about a slice), SGD at a locked server;
 *  - Fig. 3 on MNIST: b = 16, α_c = 0.02 with the controls 2α_c, 5α_c; loss thresholds 0.56
 *    (softmax; the λ-regularized optimum is ≈ 0.524) and 0.65 (MLP), 30 epochs of budget.
 * Without the optional `mnist` package the MNIST rows are 'not applicable', saying why.
 */
import { mnistObjective } from '../../asgd/objectives/mnist.ts';
import { ServerThreadPool } from '../../asgd/threaded-server-pool.ts';
import { ConfigError } from '../../core/errors.ts';
import { bestFit, fitSummaries } from '../../delay/fit.ts';
import type { ObjectiveSpec } from '../../asgd/objectives/spec.ts';
import { lawText, threadedStalenessFigure } from '../../experiments/staleness-report.ts';
import { measureThreadedStaleness, type ThreadedStaleness } from '../../experiments/threaded-staleness.ts';
import { tQuantile } from '../../core/stats/fit.ts';
import type { CheckOptions, CheckResult, CheckRow } from '../check.ts';
import { formatNumber as f, reported } from '../verdict.ts';
import { checkFig3, type Fig3Setup, recipeObjective } from './mindthestep-training.ts';

export const MNIST_SOFTMAX: ObjectiveSpec = { kind: 'mnist', model: 'softmax', dim: 50, perDigit: 200 };
export const MNIST_MLP: ObjectiveSpec = { kind: 'mnist', model: 'mlp', dim: 50, perDigit: 200, hidden: 32 };
/** --quick (what the tests run): generated data of MNIST softmax's shape, so no PCA of 784 pixels is paid for. */
const QUICK_SOFTMAX: ObjectiveSpec = { kind: 'softmax', n: 2000, d: 50, classes: 10, seed: 1 };

type Part = Pick<CheckResult, 'rows' | 'notes' | 'figures'> & { data: Record<string, unknown> };

/** The MNIST objective, or why it cannot be had (the optional package is missing). */
export function mnistAvailable(): string | undefined {
  try {
    mnistObjective({ model: 'softmax', dim: 50, perDigit: 200 });
    return undefined;
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
}

/** The smallest τ with P[τ' ≤ τ] ≥ q. */
function quantile(pmf: Float64Array, q: number): number {
  let c = 0;
  for (let t = 0; t < pmf.length; t++) {
    c += pmf[t];
    if (c >= q - 1e-12) return t;
  }
  return pmf.length - 1;
}

const notApplicable = (theorem: string, reason: string): CheckRow => ({ theorem, quantity: '—', predicted: '—', measured: '—', verdict: { kind: 'not-applicable', label: 'not applicable', reason } });

/** Table I analog on real threads at one gradient cost. */
async function threadedTableI(opts: CheckOptions, pool: ServerThreadPool, batch: number, ms: number[], updates: number, runs: number, objective: ObjectiveSpec, what: string): Promise<Part> {
  const results: ThreadedStaleness[] = [];
  for (const m of ms) {
    opts.onProgress?.(`mindthestep: staleness on ${m} real threads, b = ${batch}`);
    results.push(await measureThreadedStaleness({ workers: m, objective, batchSize: batch, updates, runs, seed: opts.seed + 1700 + m }, { pool }));
  }
  const cores = results[0].cores;
  const t = (r: ThreadedStaleness) => (r.runs.length > 1 ? tQuantile(0.975, r.runs.length - 1) : NaN);
  const ci = (v: number, se: number, r: ThreadedStaleness) => `${f(v)}${Number.isFinite(se) ? ` ± ${f(t(r) * se)}` : ''}`;
  const best = (r: ThreadedStaleness) => bestFit(r.measured.fits);
  const params = (r: ThreadedStaleness) => {
    const b = best(r);
    return b.model === 'geometric' ? `p ${f(b.params.p)}` : b.model === 'uniform' ? `τ̂ ${b.params.max}` : b.model === 'poisson' ? `λ ${f(b.params.lambda)}` : `ν ${f(b.params.nu)}`;
  };
  const median = (r: ThreadedStaleness) => r.computeTime.quantilesSeconds.p50 * 1e6;
  const medians = results.map(median);
  const regime = `b = ${batch}: median gradient ${f(Math.min(...medians))} … ${f(Math.max(...medians))} µs`;
  const rows: CheckRow[] = [
    {
      theorem: `MindTheStep Table I (real threads, b = ${batch})`,
      quantity: `staleness of an asynchronous server on m worker threads (${cores} hardware threads; ${what}, ${regime}): mean τ (95% CI across ${runs} runs), P[τ = 0], best-fitting model`,
      predicted: 'the paper (36 hardware threads, m ≤ 32): Poisson with λ ≈ m and CMP fit best, P[τ = 0] decays with m',
      measured: results.map((r) => `m = ${r.measured.spec.workers}: τ̄ ${ci(r.measured.mean, r.measured.meanSe, r)}, P[τ=0] ${ci(r.measured.pZero, r.measured.pZeroSe, r)}, best ${best(r).model} (${params(r)}; D_B ${f(best(r).distance)})`).join('; '),
      verdict: reported(
        `with m > ${cores} the threads time-share ${cores} cores: a thread running alone in its time slice pushes gradient after gradient at τ = 0 (share of updates from the same worker as the previous one: ${results.map((r) => f(r.sameWorkerRate.measured)).join(', ')}), and a thread descheduled mid-gradient returns with a large staleness (99th percentile of τ: ${results.map((r) => quantile(r.measured.histogram, 0.99)).join(', ')}; largest ${results.map((r) => r.measured.histogram.length - 1).join(', ')}); mean τ vs m − 1: ${results.map((r) => `${f(r.measured.mean)} vs ${r.measured.spec.workers - 1}`).join(', ')}. Measured on a machine shared with other jobs: the numbers move with its load`,
      ),
    },
    {
      theorem: `Measured vs simulated staleness (b = ${batch})`,
      quantity: 'Bhattacharyya distance between the measured pmf and the simulated server at the compute-time law fitted to the measured compute times; P[τ = 0] measured / simulated',
      predicted: 'equal if compute times were i.i.d. and communication free (the simulated server’s assumptions)',
      measured: results.map((r) => `m = ${r.measured.spec.workers}: D_B ${f(r.distance)}, P[τ=0] ${f(r.measured.pZero)} / ${f(r.simulated.pZero)}, law ${lawText(r.computeTime.law)}`).join('; '),
      verdict: reported(
        `the fitted law (in units of the mean compute time) has a heavy right tail — preemptions inside a gradient — but the simulation draws it independently per gradient and per worker, so it cannot produce the runs of one worker: simulated same-worker rate ${results.map((r) => f(r.sameWorkerRate.simulated)).join(', ')}. Server lock: ${results.map((r) => `${f(100 * r.lockWaitShare)}%`).join(', ')} of m × run time spent waiting for it (a descheduled lock holder stalls every pusher)`,
      ),
    },
  ];
  const note = `Real-thread staleness (b = ${batch}): runThreadedServer, m worker_threads on ${cores} hardware threads (shared with other jobs on this machine), consistent reads, SGD (lr 0.01) at a locked server; objective ${JSON.stringify(objective)}; ${runs} runs of ${updates} updates per m, each after a warm-up of 4× the updates until every worker has pushed once (threads start cold); the simulated server (10 runs, each started in its stationary regime, no warm-up) draws i.i.d. compute times from the law fitted by maximum likelihood (exponential, normal, log-normal) to the measured compute times, without communication time.`;
  return {
    rows,
    notes: [note],
    figures: [{ file: `check-mindthestep-threads-b${batch}`, figure: threadedStalenessFigure(results, note) }],
    data: {
      batch,
      updates,
      runs,
      cores,
      results: results.map((r) => ({
        workers: r.measured.spec.workers,
        measured: { mean: r.measured.mean, meanSe: r.measured.meanSe, pZero: r.measured.pZero, pZeroSe: r.measured.pZeroSe, sameWorkerRate: r.sameWorkerRate.measured, histogram: Array.from(r.measured.histogram), fits: fitSummaries(r.measured.fits) },
        simulated: { mean: r.simulated.mean, meanSe: r.simulated.meanSe, pZero: r.simulated.pZero, sameWorkerRate: r.sameWorkerRate.simulated, histogram: Array.from(r.simulated.histogram) },
        computeTime: r.computeTime,
        distance: r.distance,
        computeShare: r.computeShare,
        lockWaitShare: r.lockWaitShare,
        updatesPerSecond: r.updatesPerSecond,
        runs: r.runs,
      })),
    },
  };
}

/** The MNIST Fig. 3 setups: softmax and MLP on the simulated server, softmax on real threads. */
function mnistFig3Setups(pool: ServerThreadPool): Fig3Setup[] {
  const softmax = recipeObjective({ objective: MNIST_SOFTMAX, x0: 'zero' });
  const common = { batch: 16, alphaC: 0.02, saveEvery: 25 };
  const epochs = (e: number) => (e * softmax.n) / 16;
  const setups: Fig3Setup[] = [
    {
      ...common,
      id: 'mnist-softmax',
      label: 'MNIST softmax',
      recipe: { objective: MNIST_SOFTMAX, x0: 'zero' },
      threshold: 0.56,
      budget: epochs(30),
      ms: [4, 8, 16, 24, 32],
      seeds: 5,
      server: 'simulated',
      describe: `${softmax.description} (${softmax.dim} parameters), x_0 = 0; simulated asynchronous parameter server with m workers, compute times normal(1, 0.2)`,
    },
    {
      ...common,
      id: 'mnist-softmax-threads',
      label: 'MNIST softmax, real threads',
      recipe: { objective: MNIST_SOFTMAX, x0: 'zero' },
      pool,
      threshold: 0.56,
      budget: epochs(30),
      ms: [4, 8, 16, 32],
      seeds: 3,
      server: 'threads',
      describe: `${softmax.description} (${softmax.dim} parameters), x_0 = 0; real-thread asynchronous parameter server (runThreadedServer, locked, consistent reads) with m worker threads on a machine shared with other jobs`,
    },
  ];
  const mlpSpec: ObjectiveSpec = { kind: 'mnist', model: 'mlp', dim: 50, perDigit: 200, hidden: 32 };
  const mlp = recipeObjective({ objective: mlpSpec, x0: 'mlp-init' });
  setups.splice(1, 0, {
    ...common,
    saveEvery: 50,
    id: 'mnist-mlp',
    label: 'MNIST MLP',
    recipe: { objective: mlpSpec, x0: 'mlp-init' },
    threshold: 0.65,
    budget: epochs(30),
    ms: [4, 8, 16, 24, 32],
    seeds: 5,
    server: 'simulated',
    describe: `${mlp.description} (${mlp.dim} parameters), seeded LeCun-style initial point per seed; simulated asynchronous parameter server with m workers, compute times normal(1, 0.2)`,
  });
  return setups;
}

/** Everything of issue 13 in the mindthestep check; one thread pool for all real-thread runs. */
export async function realSystemChecks(opts: CheckOptions): Promise<Part> {
  if (opts.quick) {
    // what the tests run: the real-thread server on 2 and 4 threads; MNIST is in the full report
    const pool = new ServerThreadPool(4);
    try {
      const p = await threadedTableI(opts, pool, 16, [2, 4], 600, 2, QUICK_SOFTMAX, 'generated softmax of MNIST softmax’s shape (--quick; the full report uses MNIST)');
      return { ...p, notes: [...p.notes, 'The MNIST rows (Table I on real threads with MNIST gradients, Fig. 3 on MNIST) are in the full report only.'], data: { threadsB16: p.data } };
    } finally {
      await pool.close();
    }
  }
  const missing = mnistAvailable();
  if (missing) {
    return {
      rows: [notApplicable('MindTheStep Table I (real threads)', missing), notApplicable('MindTheStep Fig. 3 (analog, MNIST)', missing)],
      notes: [],
      figures: [],
      data: { mnist: missing },
    };
  }
  const pool = new ServerThreadPool(32); // the largest m below
  const out: Part = { rows: [], notes: [], figures: [], data: {} };
  const add = (key: string, p: Part) => {
    out.rows.push(...p.rows);
    out.notes.push(...p.notes);
    out.figures.push(...p.figures);
    out.data[key] = p.data;
  };
  try {
    add('threadsB16', await threadedTableI(opts, pool, 16, [2, 4, 8, 16, 32], 4000, 3, MNIST_SOFTMAX, 'MNIST softmax'));
    add('threadsB256', await threadedTableI(opts, pool, 256, [2, 8, 32], 1500, 3, MNIST_SOFTMAX, 'MNIST softmax'));
    for (const setup of mnistFig3Setups(pool)) add(`fig3-${setup.id}`, await checkFig3(opts, setup));
  } finally {
    await pool.close();
  }
  return out;
}
