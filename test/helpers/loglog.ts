/**
 * Least-squares slope of log(error) against log(h), and a conservative bound on its Monte Carlo
 * standard error: slope = Σ w_i log e_i with w_i = (log h_i − mean)/Σ(log h − mean)², and
 * SE(log e_i) ≈ SE(e_i)/e_i (delta method). The levels share Brownian paths, so their errors are
 * correlated; the bound Σ|w_i|·SE(e_i)/e_i holds whatever the correlation.
 */
export function logLogSlope(h: number[], err: number[], se: number[] = []): { slope: number; seBound: number } {
  const lx = h.map(Math.log);
  const ly = err.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const sxx = lx.reduce((a, x) => a + (x - mx) ** 2, 0);
  const w = lx.map((x) => (x - mx) / sxx);
  const slope = w.reduce((a, wi, i) => a + wi * ly[i], 0);
  const seBound = se.length ? w.reduce((a, wi, i) => a + Math.abs(wi) * (se[i] / err[i]), 0) : 0;
  return { slope, seBound };
}

export function meanAndSe(xs: ArrayLike<number>): { mean: number; se: number } {
  const n = xs.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += xs[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (xs[i] - m) ** 2;
  v /= n - 1;
  return { mean: m, se: Math.sqrt(v / n) };
}
