/**
 * Several paths of one problem at once: path `first + j` of the seed for j < count, each exactly
 * what `solve(problem, algorithm, { ...options, path: first + j })` returns (same bits: the paths'
 * streams are separate and the kernels' lanes independent). Where the kernels can step paths side
 * by side (Euler–Maruyama, d = 1, linear drift, constant noise, a constant lag) they run
 * MAX_LANES paths per call — SIMD across paths; otherwise this is a loop over `solve`. Options are
 * validated as `solve` validates them, before any work.
 * Ensembles use it for their blocks of paths.
 */
import { integer, knownFields, plainObject, positiveNumber } from '../core/validate.ts';
import { seedOrFresh } from '../core/seed.ts';
import { emKernelApplies, emKernelGroups, type EmPath, runEmKernel } from './kernel-host.ts';
import { MAX_LANES } from '../kernels/layout.ts';
import { deriveEngine } from '../random/streams.ts';
import type { SddeAlgorithm } from './algorithm.ts';
import { EulerMaruyama } from './algorithms/euler-maruyama.ts';
import { GaussianIncrements } from './brownian.ts';
import type { SddeProblem } from './problem.ts';
import { evalHistory } from './problem-compile.ts';
import { planSaves } from './save-at.ts';
import { withSolutionViews } from './dense-output.ts';
import type { SddeSolution } from './solution.ts';
import { buildLagSources, gridSteps, solve, type SolveOptions } from './solve.ts';

/**
 * Options of {@link solvePaths}: the subset of {@link SolveOptions} shared by all paths.
 */
export type SolvePathsOptions = Pick<SolveOptions, 'dt' | 'saveAt' | 'seed' | 'kernel'>;

/**
 * Solve paths `first … first + count − 1` of one seed: element j is bit-identical to
 * `solve(problem, algorithm, { ...options, path: first + j })`. Where the WebAssembly kernels apply
 * (Euler–Maruyama, d = 1, linear drift, constant noise, one lag on the grid) several paths are stepped
 * side by side; otherwise it loops over {@link solve}.
 *
 * @param first - index of the first path (integer ≥ 0).
 * @param count - number of paths (integer ≥ 0).
 * @throws {@link ConfigError} as {@link solve} does (`options.dt`, `options.seed`, unknown options),
 * and for a non-integer `first path` or `count`.
 * @example
 * ```ts
 * import { defineSdde, solvePaths, EulerMaruyama } from 'asgd-sdde';
 *
 * const problem = defineSdde({ dim: 1, drift: { linear: { y: [[-1]] } }, diffusion: { noise: 'diagonal', g: 0.3 },
 *   history: 1, T: 5, delay: { kind: 'constant', tau: 1 } });
 * const sols = solvePaths(problem, new EulerMaruyama(), { dt: 0.01, seed: 7, saveAt: { final: true } }, 0, 8);
 * console.log(sols.map((s) => s.x[0]!.toFixed(3)).join(' '));
 * //> 0.237 0.057 -0.629 0.311 -0.093 0.714 0.240 0.324
 * ```
 */
export function solvePaths(problem: SddeProblem, algorithm: SddeAlgorithm, options: SolvePathsOptions, first: number, count: number): SddeSolution[] {
  const o = plainObject(options, 'options');
  knownFields(o, 'options', ['dt', 'saveAt', 'seed', 'kernel']);
  // one seed for all the paths: drawn once when none is given
  const seed = seedOrFresh(o.seed, 'options.seed');
  const one = (path: number) => solve(problem, algorithm, { ...options, seed, path });
  integer(first, 'first path', { min: 0, max: 0xffff_ffff });
  integer(count, 'count', { min: 0, max: 0xffff_ffff - first + 1 });
  if (count < 2 || options.kernel === 'generic' || !(algorithm instanceof EulerMaruyama)) return Array.from({ length: count }, (_, j) => one(first + j));
  // the validation of solve, before any work
  const h = positiveNumber(o.dt, 'options.dt');
  const nSteps = gridSteps(problem.t0, problem.T, h);
  // the kernels' lanes read one lag on the grid (several or per-coordinate delays: path by path)
  if (problem.delay.kind === 'several' || problem.delay.kind === 'per-coordinate') return Array.from({ length: count }, (_, j) => one(first + j));
  const sources = buildLagSources(problem, h, nSteps, seed, first, 'grid');
  if (sources.length !== 1) return Array.from({ length: count }, (_, j) => one(first + j));
  const lags = sources[0];
  const m = problem.diffusion.noiseDim;
  const probe = m > 0 ? new GaussianIncrements(deriveEngine(seed, 'brownian', first), m) : null;
  if (!emKernelApplies(problem, probe, lags) || !emKernelGroups(problem, lags)) return Array.from({ length: count }, (_, j) => one(first + j));
  const plan = planSaves(options.saveAt, nSteps, problem.t0, h, 'options.saveAt', 'interpolate');
  // times between grid points are interpolated by solve
  if (plan.requested) return Array.from({ length: count }, (_, j) => one(first + j));
  const out: SddeSolution[] = [];
  const saveSteps = plan.steps;
  const x0 = new Float64Array(1);
  evalHistory(problem.history, problem.t0, x0);
  for (let j = 0; j < count; j += MAX_LANES) {
    const lanes: EmPath[] = [];
    for (let l = 0; l < MAX_LANES && j + l < count; l++) {
      const path = first + j + l;
      const tOut = new Float64Array(saveSteps.length);
      const xOut = new Float64Array(saveSteps.length);
      let saved = 0;
      if (saveSteps[0] === 0) {
        tOut[0] = problem.t0;
        xOut[0] = x0[0];
        saved = 1;
      }
      lanes.push({ noise: m > 0 ? new GaussianIncrements(deriveEngine(seed, 'brownian', path), m) : null, lags, tOut, xOut, saved, status: 'ok', steps: 0 });
    }
    runEmKernel({ problem, h, nSteps, saveSteps, x0 }, lanes);
    lanes.forEach((p, l) => {
      const full = p.saved === saveSteps.length;
      out.push(withSolutionViews({
        status: p.status,
        ...(p.divergence ? { divergence: p.divergence } : {}),
        dim: 1,
        t: full ? p.tOut : p.tOut.slice(0, p.saved),
        x: full ? p.xOut : p.xOut.slice(0, p.saved),
        steps: p.steps,
        dt: h,
        seed,
        path: first + j + l,
        algorithm: { name: algorithm.name, strongOrder: algorithm.strongOrder, weakOrder: algorithm.weakOrder },
      }));
    });
  }
  return out;
}
