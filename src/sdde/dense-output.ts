/**
 * Dense output and views of a solution (SciML's `sol(t)`, `sol[i]`, `sol[j, :]`; diffrax's
 * `sol.evaluate(t)`): the state at any time between the saved ones, state and component views,
 * and table rows for CSV files and plots.
 *
 * Interpolation between two saved states (t_a, X_a), (t_b, X_b), H = t_b − t_a, s = (t − t_a)/H:
 *  - cubic Hermite when the drifts f_a, f_b at both ends are recorded (solve option `dense: true`,
 *    or `interpolation: 'hermite'`): p(s) = h00·X_a + h10·H·f_a + h01·X_b + h11·H·f_b with
 *    h00 = 2s³ − 3s² + 1, h10 = s³ − 2s² + s, h01 = −2s³ + 3s², h11 = s³ − s²
 *    (interpolation error O(H⁴) on a smooth path);
 *  - the quadratic through X_a, X_b with slope f_a at t_a where only the left drift is known (the
 *    last saved state: no step starts there, so no drift is evaluated at it; error O(H³));
 *  - linear otherwise, X_a + s·(X_b − X_a) (error O(H²)).
 * Between the grid points of a noisy path, any interpolant is a smooth curve through the states,
 * not a draw of the Brownian bridge; the drift slopes are those of the deterministic part.
 */
import { ConfigError, describe } from '../core/errors.ts';

/** What the interpolation needs of a solution. */
export interface DenseData {
  dim: number;
  /** Saved times, increasing. */
  t: Float64Array;
  /** Saved states, row-major (times × dim). */
  x: Float64Array;
  /** The drift f(t_i, X_i, X(t_i − θ)) at each saved state, row-major; NaN rows where none was evaluated. */
  drift?: Float64Array;
}

/** Row-major table rows: one per saved time, `{ t, x0, x1, … }` (for CSV writers and plotting libraries). */
export type SolutionRow = { t: number } & Record<`x${number}`, number>;

/** Views of a solution, added (non-enumerable: a spread or structured clone copies the data only) by `solve`. */
export interface SolutionViews {
  /**
   * The state at time t (a new Float64Array of length dim), interpolated between the saved states:
   * cubic Hermite where the drifts are recorded (`dense: true`), linear otherwise (see
   * `src/sdde/dense-output.ts`). At a saved time it is that state exactly.
   * With an array of times: a new Float64Array of times.length × dim, row-major.
   * @throws ConfigError (field `t`) for a t that is not finite or outside the saved span [t[0], t[last]]
   *   (that is [t0, T] when the initial and the final state are saved and the run ended normally).
   * @example
   * ```ts
   * import { defineSdde, EulerMaruyama, solve } from 'asgd-sdde';
   *
   * const problem = defineSdde({ dim: 1, drift: (t, x, xLag, out) => { out[0] = -x[0]!; }, diffusion: { noise: 'diagonal', g: 0.3 },
   *   history: 1, T: 1 });
   * const sol = solve(problem, new EulerMaruyama(), { dt: 0.01, seed: 1, dense: true });
   * const t50 = sol.t[50]!;
   * // a saved time gives its state exactly; between saved times a new Float64Array(dim); times: times.length × dim
   * console.log(sol.at(t50)[0] === sol.x[50], sol.at(0.505).length, sol.at([0.1, 0.2, 0.3]).length);
   * //> true 1 3
   * ```
   */
  at(t: number): Float64Array;
  /**
   * The states at several times: a new Float64Array of times.length × dim, row-major (each row as
   * `at(t)` gives it; every time checked before any output).
   * @throws ConfigError (field `t[i]`) for a time not finite or outside the saved span
   * @example
   * ```ts
   * import { defineSdde, EulerMaruyama, solve } from 'asgd-sdde';
   *
   * const problem = defineSdde({ dim: 2, drift: (t, x, xLag, out) => { out[0] = -x[0]!; out[1] = -x[1]!; },
   *   diffusion: { noise: 'diagonal', g: 0.3 }, history: [1, 2], T: 1 });
   * const sol = solve(problem, new EulerMaruyama(), { dt: 0.01, seed: 1 });
   * const rows = sol.at([0.1, 0.2, 0.3]); // 3 × dim, row-major: row i is sol.at(times[i])
   * console.log(rows.length, rows[2] === sol.at(0.2)[0], rows[5] === sol.at(0.3)[1]);
   * //> 6 true true
   * ```
   */
  at(times: ArrayLike<number>): Float64Array;
  /**
   * Saved state i (a view into `x`, not a copy), i in [0, t.length).
   * @throws ConfigError (field `i`) for an index out of range
   */
  state(i: number): Float64Array;
  /**
   * Component j of every saved state (a new array of length t.length), j in [0, dim).
   * @throws ConfigError (field `j`) for a component out of range
   */
  component(j: number): Float64Array;
  /**
   * One row per saved time, `{ t, x0, x1, … }`: what CSV writers and plotting libraries take.
   * @example
   * ```ts
   * import { defineSdde, EulerMaruyama, solve } from 'asgd-sdde';
   *
   * const problem = defineSdde({ dim: 1, drift: (t, x, xLag, out) => { out[0] = -x[0]!; }, diffusion: { noise: 'diagonal', g: 0.3 },
   *   history: 1, T: 1 });
   * const sol = solve(problem, new EulerMaruyama(), { dt: 0.25, seed: 1 });
   * const rows = sol.toTable(); // one row per saved time: t = 0, 0.25, …, 1
   * console.log(rows.length, Object.keys(rows[0]!), rows[0]);
   * //> 5 [ 't', 'x0' ] { t: 0, x0: 1 }
   * ```
   */
  toTable(): SolutionRow[];
}

/** Index a of the interval [t_a, t_{a+1}] holding t (t within [t_0, t_last]); binary search. */
function interval(ts: Float64Array, t: number): number {
  let lo = 0;
  let hi = ts.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (ts[mid] <= t) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Interpolate the state at t into out[offset … offset + dim) (see the module comment for the
 * interpolants). t must lie within [t[0], t[last]] (checked by the callers).
 */
export function interpolateInto(sol: DenseData, t: number, out: Float64Array, offset = 0): void {
  const { dim: d, t: ts, x, drift } = sol;
  const n = ts.length;
  if (n === 1 || t === ts[n - 1]) {
    const o = (n - 1) * d;
    for (let i = 0; i < d; i++) out[offset + i] = x[o + i];
    return;
  }
  const a = interval(ts, t);
  const H = ts[a + 1] - ts[a];
  const s = (t - ts[a]) / H;
  const oa = a * d;
  const ob = oa + d;
  const left = drift !== undefined && !Number.isNaN(drift[oa]);
  const right = left && !Number.isNaN(drift![ob]);
  if (s === 0) {
    for (let i = 0; i < d; i++) out[offset + i] = x[oa + i];
  } else if (right) {
    const s2 = s * s;
    const s3 = s2 * s;
    const h00 = 2 * s3 - 3 * s2 + 1;
    const h10 = s3 - 2 * s2 + s;
    const h01 = -2 * s3 + 3 * s2;
    const h11 = s3 - s2;
    for (let i = 0; i < d; i++) out[offset + i] = h00 * x[oa + i] + h10 * H * drift![oa + i] + h01 * x[ob + i] + h11 * H * drift![ob + i];
  } else if (left) {
    for (let i = 0; i < d; i++) {
      const xa = x[oa + i];
      const fa = H * drift![oa + i];
      out[offset + i] = xa + s * fa + s * s * (x[ob + i] - xa - fa);
    }
  } else {
    for (let i = 0; i < d; i++) out[offset + i] = x[oa + i] + s * (x[ob + i] - x[oa + i]);
  }
}

function checkTime(sol: DenseData, t: unknown, field: string): number {
  const ts = sol.t;
  if (ts.length === 0) throw new ConfigError(field, 'the solution saved no states to interpolate');
  if (typeof t !== 'number' || !Number.isFinite(t)) throw new ConfigError(field, `must be a finite time, got ${describe(t)}`);
  if (t < ts[0] || t > ts[ts.length - 1]) {
    throw new ConfigError(field, `${t} is outside the saved span [${ts[0]}, ${ts[ts.length - 1]}]; save the initial and final states (the default saveAt) to interpolate over [t0, T]`);
  }
  return t;
}

/**
 * `sol.at(t)` / `sol.at(times)` on any solution-shaped data `{ dim, t, x, drift? }` (a solution
 * after a structured clone or a spread, which carry the arrays but not the methods).
 * Hermite where `drift` is recorded, linear otherwise; see `SolutionViews.at`.
 * @returns a new Float64Array: dim numbers, or times.length × dim row-major
 * @throws ConfigError (field `t` or `t[i]`) for a time not finite or outside [t[0], t[last]]
 * @example
 * ```ts
 * import { defineSdde, EulerMaruyama, solve, stateAtTime } from 'asgd-sdde';
 *
 * const problem = defineSdde({ dim: 1, drift: (t, x, xLag, out) => { out[0] = -x[0]!; }, diffusion: { noise: 'diagonal', g: 0.3 },
 *   history: 1, T: 1 });
 * const sol = solve(problem, new EulerMaruyama(), { dt: 0.01, seed: 1, dense: true });
 * const copy = structuredClone(sol); // what a worker sends back: the data, not the methods
 * console.log(stateAtTime(copy, 0.25)[0] === sol.at(0.25)[0]); // the same numbers as sol.at
 * //> true
 * ```
 */
export function stateAtTime(sol: DenseData, t: number | ArrayLike<number>): Float64Array {
  const d = sol.dim;
  if (typeof t === 'number') {
    const out = new Float64Array(d);
    interpolateInto(sol, checkTime(sol, t, 't'), out);
    return out;
  }
  if (t === null || typeof t !== 'object' || typeof (t as ArrayLike<number>).length !== 'number') throw new ConfigError('t', `must be a time or an array of times, got ${describe(t)}`);
  const n = t.length;
  for (let i = 0; i < n; i++) checkTime(sol, t[i], `t[${i}]`); // all refused before any output
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) interpolateInto(sol, t[i], out, i * d);
  return out;
}

/**
 * Add the views of `SolutionViews` to a solution object (non-enumerable methods: JSON, spreads
 * and structured clones carry the data only) and return it.
 */
export function withSolutionViews<S extends DenseData>(sol: S): S & SolutionViews {
  const d = sol.dim;
  const n = () => sol.t.length;
  const views: SolutionViews = {
    at: ((t: number | ArrayLike<number>) => stateAtTime(sol, t)) as SolutionViews['at'],
    state(i: number) {
      if (!Number.isInteger(i) || i < 0 || i >= n()) throw new ConfigError('i', `must be a saved-state index in [0, ${n() - 1}], got ${describe(i)}`);
      return sol.x.subarray(i * d, (i + 1) * d);
    },
    component(j: number) {
      if (!Number.isInteger(j) || j < 0 || j >= d) throw new ConfigError('j', `must be a component in [0, ${d - 1}], got ${describe(j)}`);
      const out = new Float64Array(n());
      for (let i = 0; i < out.length; i++) out[i] = sol.x[i * d + j];
      return out;
    },
    toTable() {
      const rows: SolutionRow[] = [];
      for (let i = 0; i < n(); i++) {
        const row = { t: sol.t[i] } as SolutionRow;
        for (let j = 0; j < d; j++) row[`x${j}`] = sol.x[i * d + j];
        rows.push(row);
      }
      return rows;
    },
  };
  for (const [k, v] of Object.entries(views)) Object.defineProperty(sol, k, { value: v, enumerable: false, writable: true, configurable: true });
  return sol as S & SolutionViews;
}

/**
 * The states at requested times (a save plan's `requested`), interpolated between the saved grid
 * states as `at` would (Hermite where drifts were recorded); times whose grid states were not
 * reached (a run that diverged or stopped early) are left out. The drift is kept at the requested
 * times that are grid points, NaN between them.
 */
export function atRequestedTimes(grid: DenseData, req: { times: Float64Array; left: Int32Array; s: Float64Array }): DenseData {
  const d = grid.dim;
  const nGrid = grid.t.length;
  let n = 0;
  while (n < req.times.length && req.left[n] + (req.s[n] > 0 ? 1 : 0) < nGrid) n++;
  const t = req.times.slice(0, n);
  const x = new Float64Array(n * d);
  const drift = grid.drift ? new Float64Array(n * d).fill(NaN) : undefined;
  for (let i = 0; i < n; i++) {
    const a = req.left[i];
    const s = req.s[i];
    if (s === 0) {
      x.set(grid.x.subarray(a * d, (a + 1) * d), i * d);
      if (drift) drift.set(grid.drift!.subarray(a * d, (a + 1) * d), i * d);
    } else {
      // the grid interval's own interpolant, at its parameter s (exactly, not via a time round trip)
      interpolateInto({ dim: d, t: Float64Array.of(0, 1), x: grid.x.subarray(a * d, (a + 2) * d), ...(grid.drift ? { drift: scaledDrift(grid.drift.subarray(a * d, (a + 2) * d), grid.t[a + 1] - grid.t[a]) } : {}) }, s, x, i * d);
    }
  }
  return { dim: d, t, x, ...(drift ? { drift } : {}) };
}

/** Drifts times H: the slopes in the unit parameter s = (t − t_a)/H. */
function scaledDrift(f: Float64Array, H: number): Float64Array {
  const out = new Float64Array(f.length);
  for (let i = 0; i < f.length; i++) out[i] = f[i] * H;
  return out;
}
