/**
 * 1-D Wasserstein-1 distance between two empirical distributions: W1 = ∫ |F_u(x) − F_v(x)| dx,
 * computed by one merged pass over the sorted samples (as scipy.stats.wasserstein_distance).
 */
export function wasserstein1(u: ArrayLike<number>, v: ArrayLike<number>): number {
  if (u.length === 0 || v.length === 0) throw new RangeError('wasserstein1: empty sample');
  const a = Float64Array.from(u).sort();
  const b = Float64Array.from(v).sort();
  for (const s of [a, b]) if (!s.every(Number.isFinite)) throw new RangeError('wasserstein1: non-finite sample value');
  let i = 0;
  let j = 0;
  let x = Math.min(a[0], b[0]);
  let w = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    w += Math.abs(i / a.length - j / b.length) * (next - x);
    x = next;
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
  }
  return w;
}
