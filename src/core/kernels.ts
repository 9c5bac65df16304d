/**
 * Small dense kernels shared by the objectives, the bridge and the couplings. Each dot product is
 * summed in four independent chains: a single running sum is one chain of dependent additions,
 * which limits it to about one flop per nanosecond; four chains run in parallel (≈ 1.7–2× faster
 * at d = 20). The order is fixed — (s0 + s1) + (s2 + s3) — so every caller gets the same bits.
 */

/** Σ_j a[off + j]·x[j] for j < d, in four chains. */
export function dot4(a: Float64Array, off: number, x: ArrayLike<number>, d: number): number {
  const d4 = d & ~3;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j < d4; j += 4) {
    s0 += a[off + j] * x[j];
    s1 += a[off + j + 1] * x[j + 1];
    s2 += a[off + j + 2] * x[j + 2];
    s3 += a[off + j + 3] * x[j + 3];
  }
  for (; j < d; j++) s0 += a[off + j] * x[j];
  return s0 + s1 + (s2 + s3);
}

/** out = M x for a row-major d×d M. */
export function matVec(M: Float64Array, x: ArrayLike<number>, out: Float64Array, d: number): void {
  for (let i = 0; i < d; i++) out[i] = dot4(M, i * d, x, d);
}
