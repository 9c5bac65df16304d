/**
 * Each command's own help: `asgd-sdde <command> --help` and `asgd-sdde help <command>` print its
 * usage, what it does, its options with their defaults, and examples that run from a user's
 * project (after `asgd-sdde examples --copy examples`). The overview lists the commands.
 */
import { VERSION } from '../version.ts';

export interface OptionHelp {
  /** The flag with its value, e.g. "--seed N". */
  flag: string;
  text: string;
}

export interface CommandHelp {
  usage: string[];
  summary: string;
  options: OptionHelp[];
  examples: string[];
}

const seed = (dflt: string): OptionHelp => ({ flag: '--seed N', text: `master seed, an integer in [0, 2^53) (default: ${dflt}); the same seed gives the same output` });
const out = (dflt: string): OptionHelp => ({ flag: '--out DIR', text: `output directory (default: ${dflt})` });
const json: OptionHelp = { flag: '--json', text: 'print a machine-readable summary on stdout' };
const force: OptionHelp = { flag: '--force', text: 'replace the result DIR holds (never without it): only files whose content still has the SHA-256 its marker recorded (others stay; a marker asgd-sdde cannot verify is refused); the new result appears all at once' };
const noPng: OptionHelp = { flag: '--no-png', text: 'skip the PNG rendering (the HTML, CSV and JSON are still written)' };
const copyPlotly: OptionHelp = { flag: '--copy-plotly', text: 'copy plotly (4.6 MB) beside the HTML figures (default: link the installed copy)' };

export const COMMAND_HELP: Record<string, CommandHelp> = {
  run: {
    usage: ['asgd-sdde run CONFIG.json [--seed N] [--out DIR] [--json] [--force] [--no-png] [--copy-plotly]'],
    summary:
      'Run an experiment from a config file: one ASGD run ("kind": "asgd"), one SDDE solve ("kind": "sdde"), or an\n' +
      'ASGD run beside its SDDE ("kind": "pair"). Every field is validated before any work. Writes DIR/result.json\n' +
      '(settings, seed, version, status, final states), DIR/paths.csv, DIR/figure.html and DIR/figure.png.',
    options: [seed('the config\'s "seed"'), out('results/<config name>'), json, force, noPng, copyPlotly],
    examples: ['asgd-sdde examples --copy examples', 'asgd-sdde run examples/sdde-delayed-ou.json --out ou', 'asgd-sdde run examples/pair-toy-quantile.json --seed 7 --json --no-png'],
  },
  fig1: {
    usage: ['asgd-sdde fig1 [--seed N] [--out DIR] [--coupling C] [--json] [--no-png] [--copy-plotly] [--force]'],
    summary:
      'Reproduce He et al. (2018) Fig. 1: ASGD beside its SDDE and SGD beside its SDE on F(x) = ½(x+1)² + ½(x−1)².\n' +
      'Writes DIR/fig1-path-comparison.{html,png,csv,json}.',
    options: [
      seed('1'),
      out('figures'),
      { flag: '--coupling C', text: 'noise shared by the two paths: independent (default, as in the paper), shared-brownian, quantile or axis-quantile' },
      json,
      noPng,
      copyPlotly,
      force,
    ],
    examples: ['asgd-sdde fig1 --out fig1', 'asgd-sdde fig1 --coupling quantile --out fig1-coupled'],
  },
  check: {
    usage: [
      'asgd-sdde check [NAME…] [--quick] [--json] [--out DIR] [--seed N] [--threads N] [--strict] [--no-png] [--copy-plotly] [--force]',
      'asgd-sdde check --claim FILE [--json] [--out DIR] [--seed N] [--threads N] [--strict] [--no-png] [--force]',
    ],
    summary:
      "Measure the papers' theorems and claims and give a verdict for each (holds / holds, loose ×R / violated /\n" +
      'not applicable / measured). NAME: approximation, moments, energy, rates (He et al. 2018), mindthestep\n' +
      '(Bäckström et al. 2019), accumulation (Aji & Heafield 2019); default: all. Prints a table; writes\n' +
      'DIR/theory-report.{html,json}, DIR/check-NAME.{html,png} and DIR/theory-timings.json. With --claim FILE it\n' +
      'checks your own claim instead (the bound-check workbench, docs/workbench.md), with the same table, report\n' +
      'and figure (DIR/claim-NAME.{html,png}).',
    options: [
      { flag: '--quick', text: 'small ensembles (all checks in under 2 minutes on 2 cores); default: the full report' },
      seed('1'),
      out('figures'),
      { flag: '--threads N', text: 'worker threads for the ensembles (default: all cores for large ensembles)' },
      { flag: '--strict', text: 'exit with code 1 if any verdict is "violated"' },
      { flag: '--claim FILE', text: 'a claim to check: a .mjs module exporting it, or a .json claim whose prediction is an expression (default: the built-in checks)' },
      json,
      noPng,
      copyPlotly,
      force,
    ],
    examples: ['asgd-sdde check moments energy --quick --out report', 'asgd-sdde check --strict --out report', 'asgd-sdde check --claim examples/claim-toy-sgd-variance.json --out claim'],
  },
  staleness: {
    usage: [
      'asgd-sdde staleness [--workers M[,M…]] [--compute SPEC] [--updates N] [--replicates R] [--mode async|sync]',
      '                    [--local L] [--global G] [--pull-every U] [--seed N] [--out DIR] [--json] [--no-png] [--force]',
      'asgd-sdde staleness --threads-real M[,M…] [--objective JSON|FILE] [--batch B] [--updates N] [--runs R]',
      '                    [--hogwild] [--seed N] [--out DIR] [--json] [--no-png] [--force]',
    ],
    summary:
      'Simulate a parameter server with M workers and print the staleness histogram and the geometric, uniform,\n' +
      'Poisson and CMP fits by Bhattacharyya distance (several M: a Table I analog); or, with --threads-real,\n' +
      'measure staleness on M worker threads and compare it with the simulated server at the compute-time law\n' +
      'fitted to the measured compute times. With --out, writes DIR/staleness.{json,csv,html,png}.',
    options: [
      { flag: '--workers M[,M…]', text: 'simulated workers (default: 8)' },
      { flag: '--compute SPEC', text: 'compute times: constant:MEAN, exponential:MEAN, normal:MEAN:SD, lognormal:MEAN:SD, slow:MEAN:FRACTION:SLOWDOWN (default: normal:1:0.2)' },
      { flag: '--updates N', text: 'server updates per run (default: 2000 simulated, 4000 on real threads)' },
      { flag: '--replicates R', text: 'independent simulated runs, whose spread gives the standard error (default: 10)' },
      { flag: '--mode async|sync', text: 'asynchronous or synchronous server (default: async)' },
      { flag: '--local L', text: 'gradients a worker sums before pushing (async; default: 1)' },
      { flag: '--global G', text: 'gradients the server sums before an update (async; default: 1)' },
      { flag: '--pull-every U', text: 'workers pull every U updates: injected staleness (sync; default: 1)' },
      { flag: '--threads-real M[,M…]', text: 'measure on M real worker threads instead of simulating' },
      { flag: '--objective JSON|FILE', text: 'real threads: the objective (default: {"kind":"mnist","model":"softmax","dim":50,"perDigit":200}, needs the mnist package)' },
      { flag: '--batch B', text: 'real threads: minibatch size (default: 16, at most 10^6)' },
      { flag: '--runs R', text: 'real threads: independent runs (default: 3)' },
      { flag: '--hogwild', text: 'real threads: lock-free inconsistent reads (default: a locked server)' },
      seed('1'),
      out('none: print only'),
      json,
      noPng,
      copyPlotly,
      force,
    ],
    examples: [
      'asgd-sdde staleness --workers 16',
      'asgd-sdde staleness --workers 2,4,8,16,32 --out table1',
      'asgd-sdde staleness --workers 4 --compute constant:1 --global 4',
      'asgd-sdde staleness --threads-real 2,4 --objective \'{"kind":"least-squares","n":2000,"d":10}\'',
    ],
  },
  sweep: {
    usage: [
      'asgd-sdde sweep CONFIG.json [--out DIR] [--shard i/n] [--threads N] [--json] [--no-png] [--copy-plotly]',
      'asgd-sdde sweep CONFIG.json --slurm-script N [--out DIR] [--threads K] [--partition P] [--time T]',
    ],
    summary:
      'A grid over config fields ("grid": {"asgd.eta": [...], "asgd.delay.maxLag": [...]}), one ensemble per point:\n' +
      'one row of DIR/sweep.csv per point as it finishes (seconds per point in DIR/sweep-timings.csv), and\n' +
      'DIR/sweep.{html,png}: the metric against each key with 95% CIs and fitted exponents. Results are\n' +
      'bit-identical for any number of threads. Killed and restarted with the same DIR it resumes, keeping only\n' +
      'rows it can verify; one sweep per DIR at a time. A key whose values leave the run unchanged is refused.\n' +
      'With --slurm-script N it computes nothing and prints a Slurm batch script that runs the sweep as a job array\n' +
      'of N tasks (task i: --shard i/N into DIR/shard-i); submit it with sbatch, then merge DIR DIR/shard-*.',
    options: [
      out('results/<config name>'),
      { flag: '--threads N', text: 'threads sharing the grid points (default: all cores; with --slurm-script, per task: 1)' },
      { flag: '--shard i/n', text: 'compute only the points with index ≡ i (mod n), for job arrays; join with merge (default: 0/1)' },
      { flag: '--json', text: 'print the rows and the fitted exponents on stdout' },
      noPng,
      copyPlotly,
      { flag: '--slurm-script N', text: 'print the job-array script of N tasks instead of running (see docs/slurm.md)' },
      { flag: '--partition P', text: "with --slurm-script: the Slurm partition(s), comma-separated (default: the cluster's default)" },
      { flag: '--time T', text: 'with --slurm-script: the wall-clock limit per task, in a Slurm time format such as 2:00:00 (default: none given)' },
    ],
    examples: [
      'asgd-sdde examples --copy examples',
      'asgd-sdde sweep examples/sweep-delay-batch.json --out sweep --threads 2',
      'asgd-sdde sweep sweep.json --out shard-3 --shard 3/16 --no-png',
      'asgd-sdde sweep sweep.json --slurm-script 16 --out /scratch/$USER/sweep --time 2:00:00 > sweep.sbatch',
    ],
  },
  study: {
    usage: ['asgd-sdde study CONFIG.json [--out DIR] [--seed N] [--threads N] [--json] [--no-png] [--copy-plotly] [--force]'],
    summary:
      'A study that is not a grid of ensembles ("kind": "mindthestep-fig3": MindTheStep\'s Fig. 3 under the paper\'s\n' +
      'protocol). For each model of the config and each number of workers m: epochs until the training loss is\n' +
      '<= the threshold for AsyncPSGD at the constant step and for MindTheStep (Eq. 17, capped, normalised over\n' +
      'the observed staleness), on the simulated server and on real threads; the speed-up with a 95% CI. Runs that\n' +
      'miss the threshold within the epoch budget are reported as censored. Every field is validated (and every\n' +
      'model built) before any work. Writes DIR/mindthestep-fig3.{json,html,png}, DIR/mindthestep-fig3-runs.csv,\n' +
      'DIR/mindthestep-fig3-summary.csv and DIR/mindthestep-fig3-timings.json. Simulated runs give the same bytes\n' +
      'for the same seed, whatever --threads; real-thread runs vary with the scheduler. See docs/mindthestep-fig3.md.',
    options: [
      seed('the config\'s "seed", else 1'),
      out('results/<config name>'),
      { flag: '--threads N', text: 'threads sharing the simulated runs (default: all cores; the numbers do not depend on it)' },
      json,
      noPng,
      copyPlotly,
      force,
    ],
    examples: [
      'asgd-sdde examples --copy examples',
      'asgd-sdde study examples/study-mindthestep-fig3-quick.json --out fig3-quick',
      'asgd-sdde study examples/study-mindthestep-fig3.json --out fig3 --force',
    ],
  },
  merge: {
    usage: ['asgd-sdde merge OUT_DIR SHARD_DIR… [--no-png] [--copy-plotly]'],
    summary:
      'Join the sweep.csv files of the shards of one sweep into OUT_DIR, with its figure (refuses shards of different\n' +
      'sweeps, and rows it cannot verify); names the shards whose points are missing (rerun only those, e.g.\n' +
      'sbatch --array=I,J SCRIPT, and merge again).',
    options: [noPng, copyPlotly],
    examples: ['asgd-sdde merge sweep shard-*'],
  },
  explore: {
    usage: ['asgd-sdde explore [--port N] [--build DIR]'],
    summary: 'The interactive explorer: the library bundled for the browser, no server-side computation. Serves it on\nhttp://127.0.0.1:N/, or writes its static files to DIR for any web server.',
    options: [
      { flag: '--port N', text: 'port, an integer in [0, 65535]; 0 picks a free one (default: 8765)' },
      { flag: '--build DIR', text: 'write index.html, explorer.js, explorer-worker.js, mnist-3v8.json and plotly.js to DIR instead of serving' },
    ],
    examples: ['asgd-sdde explore', 'asgd-sdde explore --port 0', 'asgd-sdde explore --build site'],
  },
  examples: {
    usage: ['asgd-sdde examples [--copy DIR]'],
    summary: 'List the example configs shipped with the package, one line each: the file and what it runs. With --copy,\ncopy them into DIR (created if needed; a file already there is never overwritten: exit 2, naming it).',
    options: [{ flag: '--copy DIR', text: 'copy the examples into DIR (default: list only)' }],
    examples: ['asgd-sdde examples', 'asgd-sdde examples --copy examples'],
  },
  help: {
    usage: ['asgd-sdde help [COMMAND]'],
    summary: 'The list of commands, or one command\'s usage, options with their defaults, and examples.',
    options: [],
    examples: ['asgd-sdde help sweep', 'asgd-sdde sweep --help'],
  },
};

/** The commands, in the order of the overview. */
export const COMMAND_NAMES = Object.keys(COMMAND_HELP);

/** One command's help text. */
export function commandHelp(name: string): string {
  const h = COMMAND_HELP[name];
  if (!h) throw new Error(`no help for ${name}`);
  const width = Math.max(0, ...h.options.map((o) => o.flag.length));
  const lines = ['Usage:', ...h.usage.map((u) => `  ${u}`), '', ...h.summary.split('\n').map((l) => `  ${l}`)];
  if (h.options.length) lines.push('', 'Options:', ...h.options.map((o) => `  ${o.flag.padEnd(width)}  ${o.text}`));
  lines.push('', 'Examples:', ...h.examples.map((e) => `  ${e}`), '');
  return lines.join('\n');
}

/** The overview: every command in one line, and where to read more. */
export function overviewHelp(examplesDir: string): string {
  const first: Record<string, string> = {
    run: 'run a config: one ASGD run, one SDDE solve, or ASGD beside its SDDE',
    fig1: 'reproduce He et al. (2018) Fig. 1',
    check: "the papers' theorems as measured-versus-predicted verdicts",
    staleness: 'staleness of a simulated or real-thread parameter server, with model fits',
    sweep: 'one ensemble per point of a grid over config fields, with fitted exponents',
    study: "a study with its own protocol: MindTheStep's Fig. 3 (epochs to a loss, speed-up with CIs)",
    merge: 'join the shards of a sweep',
    explore: 'the interactive explorer in the browser',
    examples: 'list the shipped example configs, or copy them into a folder',
    help: "this text, or a command's help",
  };
  const width = Math.max(...COMMAND_NAMES.map((c) => c.length));
  return [
    `asgd-sdde ${VERSION} — stochastic delay differential equations for asynchronous SGD`,
    '',
    'Usage: asgd-sdde <command> [options]',
    '',
    'Commands:',
    ...COMMAND_NAMES.map((c) => `  ${c.padEnd(width)}  ${first[c] ?? ''}`),
    '',
    "Run 'asgd-sdde help <command>' (or 'asgd-sdde <command> --help') for a command's options, defaults and examples;",
    "'asgd-sdde --version' prints the version.",
    '',
    `Example configs (one per kind, and the research-scale studies): ${examplesDir}`,
    "  copy them into your project with 'asgd-sdde examples --copy examples'.",
    '',
    'Exit codes:',
    '  0   success (a run whose state became non-finite is reported with status "diverged")',
    '  1   check --strict: some verdict is "violated"',
    '  2   bad input: the message names the field and the reason; nothing was written (also: an output',
    '      that cannot be written, a port in use, another command writing the same directory, a file',
    '      --force may not replace)',
    '  70  internal fault (a bug; run with ASGD_SDDE_DEBUG=1 for the stack trace)',
    '  130, 143, 129  interrupted (SIGINT, SIGTERM, SIGHUP): nothing new was published',
    '',
    'Documentation: https://github.com/asgd-sdde/asgd-sdde#readme',
    '',
  ].join('\n');
}
