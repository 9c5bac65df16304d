// AssemblyScript. The pair step of the bridge's 'axis-quantile' coupling with m = 1 on least
// squares (src/bridge/axis-coupling.ts, the inline Eq. (5) branch, driven by the runner's loop in
// src/asgd/runner.ts), n steps at a time: the ASGD step, the coupled normals of the same
// minibatch (its noise at the law point, whitened, the rank PIT of the sampled law per axis, Φ⁻¹)
// and the SDDE's Eq. (5) step — the TypeScript code's arithmetic operation for operation, so the
// same bits (test/bridge/axis-pair-kernel.test.ts). The draws are the path's own streams: the
// host (src/bridge/axis-pair-kernel.ts) draws the lags and steps, the kernel the minibatches (with
// replacement) and the PIT's uniforms from the MT19937 states the host copies in (rng.ts).
//
// Files: pair-law.ts (the law block, the noise at the law point), pit.ts (the rank PIT and its
// index), normal-quantile.ts (Φ⁻¹).

import { lsqSum } from './asgd';
import { row1 } from './matvec';
import { nextWord, uniformOpen01 } from './rng';
import { coupledNormals } from './normal-quantile';
import { pitRanks, pitUniforms } from './pit';
import { field, L_AT, L_ATOMS, L_BIAS, L_BT, L_DEAD, L_M, L_MIX, scratchRow, scratchWords, whitenedNoise } from './pair-law';

/**
 * A minibatch with replacement from nData rows, as MinibatchSampler.draw: rejection above the
 * largest multiple of nData below 2^32 (`limit`), then the remainder.
 */
@inline function drawBatch(stream: usize, out: usize, b: i32, nData: i32, limit: u32): void {
  for (let m: i32 = 0; m < b; m++) {
    let r: u32;
    do r = <u32>nextWord(stream);
    while (r >= limit);
    store<i32>(out + (<usize>m << 2), <i32>(r % <u32>nData));
  }
}

/**
 * n pair steps (m = 1, least squares). Rings: rows of d doubles, row j mod cap = x_j (ASGD, at
 * ringX) and X_j (SDDE, at ringS), rows of j < 0 the history; slotIn the row of step k's iterate.
 * Per step: lags[k] (effective), the minibatch batches[k·b …] (drawn here from the stream block
 * `minibatch` with replacement from nData rows, rejection limit `limit`, when minibatch ≠ 0),
 * stepsA[k] = η·u_k(·α(l_k)) (ASGD), stepsS[k] = η·u_k (SDDE), and d uniforms from the stream
 * block `coupling` (src/kernels/layout.ts; the host copies the path's engines in). Stops at the first non-finite candidate of
 * either path, writing k to div[0] (ASGD) or div[1] (SDDE) (host-initialized to −1; div[2] is
 * scratch): the host then runs that path in TypeScript. A, Bv: the data (row-major n×d, n); law: the law block.
 * At b = 1 with the law's atom table (field L_ATOMS ≠ 0, axisPairAtoms) a step's PIT ranks are
 * its row's in the table instead of the whitening and the index search: the same ranks.
 * Returns the row of the last iterate.
 */
export function axisPairRun(
  A: usize, Bv: usize, d: i32, b: i32, law: usize, n: i32, ringX: usize, ringS: usize, cap: i32, slotIn: i32,
  lags: usize, batches: usize, stepsA: usize, stepsS: usize, coupling: usize, minibatch: usize, nData: i32, limit: u32, div: usize,
): i32 {
  const rowBytes = <usize>d << 3;
  const d4 = d & ~3;
  const fb = <f64>b;
  const M = <i32>field(law, L_M);
  const bias = field(law, L_BIAS);
  const dead = field(law, L_DEAD);
  const mix = field(law, L_MIX);
  const At = field(law, L_AT);
  const Bt = field(law, L_BT);
  const atoms = b == 1 ? field(law, L_ATOMS) : 0;
  const g = scratchRow(law, d, 0);
  const gs = scratchRow(law, d, 1);
  const w = scratchRow(law, d, 2);
  const z = scratchRow(law, d, 3);
  const u = scratchRow(law, d, 4);
  const gX = scratchRow(law, d, 5);
  const tx = scratchRow(law, d, 6);
  const vk = scratchRow(law, d, 7);
  const cells = scratchWords(law, d);
  const cellLo = cells + (<usize>d << 2);
  const cellHi = cellLo + (<usize>d << 2);
  const ranks = cellHi + (<usize>(d + 1) << 2);
  let slot = slotIn;
  if (minibatch != 0 && n > 0) drawBatch(minibatch, batches, b, nData, limit);
  for (let k: i32 = 0; k < n; k++) {
    let rs = slot - load<i32>(lags + (<usize>k << 2));
    if (rs < 0) rs += cap;
    const ns = slot + 1 == cap ? 0 : slot + 1;
    const batch = batches + (<usize>(k * b) << 2);
    // the next step's minibatch (each stream is still read in step order), and its rows of A
    // (and of the atom table) touched now: their cache misses overlap with this step's work
    // instead of stalling the next
    if (k + 1 < n) {
      const next = batch + (<usize>b << 2);
      if (minibatch != 0) drawBatch(minibatch, next, b, nData, limit);
      let touched: i32 = 0;
      for (let m: i32 = 0; m < b; m++) {
        const p = A + <usize>load<i32>(next + (<usize>m << 2)) * rowBytes;
        for (let o: usize = 0; o < rowBytes; o += 64) touched ^= load<i32>(p + o);
        touched ^= load<i32>(p + rowBytes - 4);
      }
      if (atoms != 0) {
        const p = atoms + <usize>load<i32>(next) * rowBytes;
        for (let o: usize = 0; o < rowBytes; o += 64) touched ^= load<i32>(p + o);
        touched ^= load<i32>(p + rowBytes - 4);
      }
      store<i32>(div, touched, 8); // (kept, so that the loads are)
    }
    // the ASGD's minibatch gradient at its read point (runner.ts)
    lsqSum(A, Bv, d, batch, b, ringX + <usize>rs * rowBytes, g);
    // the PIT's uniforms from the path's coupling stream, axis by axis (axis-coupling.ts)
    for (let j: i32 = 0; j < d; j++) store<f64>(vk + (<usize>j << 3), uniformOpen01(coupling));
    if (atoms != 0) {
      // b = 1: the noise is the atom of the step's row, its ranks in the table
      pitUniforms(atoms + <usize>load<i32>(batch) * rowBytes, vk, u, d, M);
    } else {
      // the same minibatch's noise at the law point, whitened, and its ranks (axis-coupling.ts axisNormals)
      whitenedNoise(A, d, batch, b, law, gs, w);
      pitRanks(law, d, w, ranks, cells, cellLo, cellHi, tx);
      pitUniforms(ranks, vk, u, d, M);
    }
    coupledNormals(d, dead, vk, u, bias, z);
    // the SDDE: X_{k+1} = X_k − c∇F(X_{k−l}) + c·R z, ∇F = ÃX − B̃ (least-squares.ts gradient)
    const XR = ringS + <usize>rs * rowBytes;
    for (let a: i32 = 0; a < d; a++) store<f64>(gX + (<usize>a << 3), row1(At + <usize>a * rowBytes, XR, d4, d) - load<f64>(Bt + (<usize>a << 3)));
    const c = load<f64>(stepsS + (<usize>k << 3));
    const Xc = ringS + <usize>slot * rowBytes;
    const Xn = ringS + <usize>ns * rowBytes;
    let finite = true;
    for (let i: i32 = 0; i < d; i++) {
      const o = <usize>i << 3;
      const noise = row1(mix + <usize>i * rowBytes, z, d4, d);
      const val = load<f64>(Xc + o) - c * load<f64>(gX + o) + c * noise;
      finite = finite && Math.abs(val) < Infinity;
      store<f64>(Xn + o, val);
    }
    if (!finite) {
      store<i32>(div, k, 4);
      return slot;
    }
    // the ASGD's update (runner.ts): g/b, x_{k+1} = x_k − step·g
    const step = load<f64>(stepsA + (<usize>k << 3));
    const xc = ringX + <usize>slot * rowBytes;
    const xn = ringX + <usize>ns * rowBytes;
    for (let i: i32 = 0; i < d; i++) {
      const o = <usize>i << 3;
      const val = load<f64>(xc + o) - step * (load<f64>(g + o) / fb);
      finite = finite && Math.abs(val) < Infinity;
      store<f64>(xn + o, val);
    }
    if (!finite) {
      store<i32>(div, k);
      return slot;
    }
    slot = ns;
  }
  return slot;
}

/**
 * The law's b = 1 atom table: with one row a minibatch, a step's noise at the law point is one of
 * the nData atoms ∇F(x_L) − ∇f_i(x_L), and the PIT's ranks (R, T + 1 per axis) are a function of
 * the atom alone — only the uniforms v vary from step to step. So they are computed here once per
 * law with the step's own code (whitenedNoise with the batch {i}, pitRanks): table row i = atom
 * i's ranks, d i32 pairs (nData·d·8 bytes; the host allocates it and writes its address to field
 * L_ATOMS). axisPairRun at b = 1 reads row i instead: the same integers, so the same bits.
 */
export function axisPairAtoms(A: usize, d: i32, law: usize, nData: i32, table: usize): void {
  const gs = scratchRow(law, d, 1);
  const w = scratchRow(law, d, 2);
  const tx = scratchRow(law, d, 6);
  const cells = scratchWords(law, d);
  const cellLo = cells + (<usize>d << 2);
  const cellHi = cellLo + (<usize>d << 2);
  const batch = cellHi + (<usize>(d + 1) << 2) + (<usize>d << 3); // after the ranks
  for (let i: i32 = 0; i < nData; i++) {
    store<i32>(batch, i);
    whitenedNoise(A, d, batch, 1, law, gs, w);
    pitRanks(law, d, w, table + <usize>i * (<usize>d << 3), cells, cellLo, cellHi, tx);
  }
}
