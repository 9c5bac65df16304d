/** The text of `asgd-sdde help`. */
import { fileURLToPath } from 'node:url';
import { VERSION } from '../version.ts';

/** The examples shipped with the package (this module is src/cli/main.ts or dist/cli/main.js). */
const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));
export const HELP = `asgd-sdde ${VERSION} — stochastic delay differential equations for asynchronous SGD

Usage:
  asgd-sdde run CONFIG.json [--seed N] [--out DIR] [--json] [--force] [--no-png]
      Run an experiment: one ASGD run ("kind": "asgd"), one SDDE solve ("kind": "sdde"), or an
      ASGD run beside its SDDE ("kind": "pair"). Writes DIR/result.json (settings, seed, version,
      status, final states), DIR/paths.csv, DIR/figure.html and DIR/figure.png.
      The config schema, with one example per kind, is in the README ("Config files") and in
      ${EXAMPLES_DIR}

  asgd-sdde fig1 [--seed N] [--out DIR] [--coupling C] [--json] [--no-png] [--force]
      Reproduce He et al. (2018) Fig. 1 (ASGD vs SDDE, SGD vs SDE on F(x) = ½(x+1)² + ½(x−1)²).
      Writes DIR/fig1-path-comparison.{html,png,csv,json}; DIR defaults to figures/.
      C is independent (default, as in the paper), shared-brownian, quantile or axis-quantile.

  asgd-sdde check [NAME…] [--quick] [--json] [--out DIR] [--seed N] [--threads N] [--strict] [--no-png] [--force]
      Measure the papers' theorems and claims and give a verdict for each (holds / holds, loose ×R / violated /
      not applicable): NAME is any of approximation, moments, energy, rates (He et al. 2018),
      mindthestep (Bäckström et al. 2019), accumulation (Aji & Heafield 2019) (default: all).
      Prints a table; writes DIR/theory-report.{html,json} and DIR/check-NAME.{html,png}
      (DIR defaults to figures/). --quick: smaller ensembles (under 2 minutes on 2 cores).
  asgd-sdde check --claim FILE [--json] [--out DIR] [--seed N] [--threads N] [--strict] [--no-png] [--force]
      Check your own claim (the bound-check workbench, docs/workbench.md): FILE is a .mjs module
      exporting the claim, or a .json claim whose prediction is an expression. Same table, report
      and figure (DIR/claim-NAME.{html,png}) as the built-in checks.

  asgd-sdde staleness [--workers M[,M…]] [--compute SPEC] [--updates N] [--replicates R] [--mode async|sync]
                      [--local L] [--global G] [--pull-every U] [--seed N] [--out DIR] [--json] [--no-png] [--force]
      Simulate a parameter server with M workers (default 8) and print the staleness histogram and
      the geometric / uniform / Poisson / CMP fits by Bhattacharyya distance (several M: a Table I
      analog). SPEC: constant:MEAN, exponential:MEAN, normal:MEAN:SD (default normal:1:0.2),
      lognormal:MEAN:SD, slow:MEAN:FRACTION:SLOWDOWN. --local/--global: accumulation (async);
      --pull-every: staleness injection (sync). N updates per run (default 2000), R independent runs
      (default 10) give the standard error. With --out, writes DIR/staleness.{json,csv,html,png}.
  asgd-sdde staleness --threads-real M[,M…] [--objective JSON|FILE] [--batch B] [--updates N] [--runs R]
                      [--hogwild] [--seed N] [--out DIR] [--json] [--no-png] [--force]
      Measure staleness on a real-thread parameter server (M worker_threads sharing the parameters,
      SGD at a locked server; --hogwild: lock-free inconsistent reads) and compare it with the
      simulated server at the compute-time law fitted to the measured compute times. Default
      objective {"kind":"mnist","model":"softmax","dim":50,"perDigit":200} (needs the mnist package),
      B = 16, N = 4000 updates per run, R = 3 runs.

  asgd-sdde sweep CONFIG.json [--out DIR] [--shard i/n] [--threads N] [--json] [--no-png]
      A grid over config fields ("grid": {"asgd.eta": [...], "asgd.delay.lag": [...]}), one ensemble
      per point, one row of DIR/sweep.csv per point as it finishes (written atomically; seconds per
      point in DIR/sweep-timings.csv), and DIR/sweep.{html,png}: the metric against each key, one
      series per value of the other, 95% CIs, fitted exponents. Points run in parallel on --threads N
      threads (default: all cores), with results bit-identical to one thread. A key whose values
      leave the run unchanged is refused. Killed and restarted with the same DIR it resumes, keeping
      only rows it can verify. One sweep per DIR at a time. --shard i/n runs every n-th point (for
      job arrays). --json prints the rows and the fitted exponents.
  asgd-sdde sweep CONFIG.json --slurm-script N [--out DIR] [--threads K] [--partition P] [--time T]
      Print a Slurm batch script running the sweep as a job array of N tasks (task i: --shard i/N
      into DIR/shard-i, K threads each, default 1); submit it with sbatch, then merge DIR DIR/shard-*.
  asgd-sdde merge OUT_DIR SHARD_DIR…
      Join the sweep.csv files of shards into OUT_DIR (refuses shards of different sweeps); names
      the shards whose points are missing (rerun only those: sbatch --array=I,J SCRIPT).

  asgd-sdde explore [--port N] [--build DIR]
      The interactive explorer (the library bundled for the browser, no server-side computation),
      served on http://127.0.0.1:N/ (default 8765; 0 picks a free port). --build DIR writes its
      static files (index.html, explorer.js, plotly.js) to DIR instead, for any web server.

  asgd-sdde help          this text        asgd-sdde --version     the version

Options:
  --seed N      master seed (integer 0 … 2^53−1); overrides the config's "seed". Same seed, same output.
  --out DIR     output directory (run: default results/<config name>; fig1: default figures).
  --json        print a machine-readable summary (final states, status, settings) on stdout.
  --force       replace the result an output directory holds (any file of it; never without --force).
                A result appears all at once: written into a staging directory, published with its
                JSON (result.json, theory-report.json, …) last.
  --no-png      skip the Chromium rendering of the figure (HTML and CSV are still written).
  --copy-plotly put a copy of plotly (4.6 MB) beside the HTML figures, so the folder works on its own;
                by default they link the copy installed with asgd-sdde (falling back to plotly's CDN
                when the page is moved away from it).
  --threads N   check: worker threads for the ensembles (default: all cores for large ensembles);
                sweep: threads sharing the grid points (default: all cores).
  --strict      check: exit with code 1 if any verdict is "violated".

Exit codes:
  0   success (a run whose state became non-finite is reported with status "diverged")
  1   check --strict: some verdict is "violated"
  2   bad input: the message names the field and the reason; nothing was written (also: an output
      that cannot be written — --out unwritable, a full disk, a table too large —, a port in use,
      another sweep writing the same directory)
  70  internal fault (a bug; run with ASGD_SDDE_DEBUG=1 for the stack trace)
`;
