// AssemblyScript. The end of a dot product summed as the TypeScript code sums it (four partial sums
// over j ≡ 0, 1, 2, 3 (mod 4), the tail into the first, then (s0 + s1) + (s2 + s3)), when the
// partial sums are the lanes of two f64x2 accumulators (s0, s1) and (s2, s3) over j < m4.

/** (s0 + tail + s1) + (s2 + s3) for the row `row` · v, tail j = m4 … cols − 1 added to s0 in order. */
@inline export function finishSum4(a01: v128, a23: v128, row: usize, v: usize, m4: i32, cols: i32): f64 {
  let s0 = f64x2.extract_lane(a01, 0);
  for (let j = m4; j < cols; j++) s0 += load<f64>(row + (<usize>j << 3)) * load<f64>(v + (<usize>j << 3));
  return s0 + f64x2.extract_lane(a01, 1) + (f64x2.extract_lane(a23, 0) + f64x2.extract_lane(a23, 1));
}
