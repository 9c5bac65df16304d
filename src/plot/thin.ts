/**
 * What a figure draws of a long series: at most `max` points per line. The series is cut into
 * max/2 equal slices and each slice keeps its smallest and largest value (in order), so spikes
 * and the envelope survive — plain every-n-th thinning would hide a spike between two kept
 * points. The CSV keeps every saved point; only the drawing is thinned (a figure of 10⁷ points
 * is a 229 MB page no browser opens).
 */
export const MAX_DRAWN_POINTS = 4000;



/** Indices of the points to draw of a series of length y.length (all of them if it is short). */
export function thinIndices(y: ArrayLike<number>, max = MAX_DRAWN_POINTS): Int32Array {
  const n = y.length;
  if (n <= max) return Int32Array.from({ length: n }, (_, i) => i);
  const slices = Math.max(1, Math.floor(max / 2));
  const out: number[] = [];
  for (let s = 0; s < slices; s++) {
    const lo = Math.floor((s * n) / slices);
    const hi = Math.floor(((s + 1) * n) / slices);
    let iMin = -1;
    let iMax = -1;
    for (let i = lo; i < hi; i++) {
      const v = y[i];
      if (!Number.isFinite(v)) continue;
      if (iMin < 0 || v < y[iMin]) iMin = i;
      if (iMax < 0 || v > y[iMax]) iMax = i;
    }
    if (iMin < 0) out.push(lo); // a slice with no finite value: keep its first point (a gap)
    else if (iMin === iMax) out.push(iMin);
    else out.push(Math.min(iMin, iMax), Math.max(iMin, iMax));
  }
  if (out[0] !== 0) out.unshift(0); // the first and the last point are always drawn
  if (out.at(-1) !== n - 1) out.push(n - 1);
  return Int32Array.from(out);
}

/** x and y of the points `thinIndices` keeps, as plain arrays for plotly. */
export function thinSeries(x: ArrayLike<number>, y: ArrayLike<number>, max = MAX_DRAWN_POINTS): { x: number[]; y: number[]; thinned: boolean } {
  const idx = thinIndices(y, max);
  return { x: Array.from(idx, (i) => x[i]), y: Array.from(idx, (i) => y[i]), thinned: idx.length < y.length };
}
