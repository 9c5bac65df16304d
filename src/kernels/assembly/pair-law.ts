// AssemblyScript. The law block of the pair kernel (pair.ts) — the sampled noise law of the
// 'axis-quantile' coupling and the data the pair step reads, which the host writes once per law
// (src/bridge/axis-pair-kernel.ts, LAW_FIELDS words) — its scratch, and the step's minibatch
// noise at the law point, whitened (axis-coupling.ts axisNormals), with the arithmetic of the
// TypeScript loop.

import { row1 } from './matvec';

// the law block: i32 words at `law` (the host writes them; axis-pair-kernel.ts LAW_FIELDS)
export const L_M = 0;
export const L_G = 1;
export const L_WHITEN = 2;
export const L_SORTED = 3;
export const L_KEYS = 4;
export const L_START = 5;
export const L_LO = 6;
export const L_IW = 7;
export const L_BIAS = 8;
export const L_DEAD = 9;
export const L_MIX = 10;
export const L_AT = 11;
export const L_BT = 12;
export const L_POINT = 13;
export const L_GPOINT = 14;
export const L_SCRATCH = 15;
export const L_RESIDUAL = 16;
/** The b = 1 atom table (pair.ts axisPairAtoms), or 0: the host sets it before each run. */
export const L_ATOMS = 17;

/** Word i of the law block (an address, or M, G). */
@inline export function field(law: usize, i: i32): usize {
  return <usize>load<i32>(law + (<usize>i << 2));
}

// the scratch at field L_SCRATCH: eight rows of d doubles, then the PIT's i32 words (cells,
// cellLo, cellHi + 1 word, ranks 2d) and one i32 for a batch — 8·d·8 + (5d + 2)·4 bytes
/** Scratch row r (of d doubles). */
@inline export function scratchRow(law: usize, d: i32, r: i32): usize {
  return field(law, L_SCRATCH) + <usize>r * (<usize>d << 3);
}
/** The PIT's cells (d i32), then cellLo (d), cellHi (d + 1), ranks (2d), in the scratch. */
@inline export function scratchWords(law: usize, d: i32): usize {
  return field(law, L_SCRATCH) + <usize>8 * (<usize>d << 3);
}

/**
 * out = Σ_m a_{batch[m]}·c_{batch[m]}: the update half of lsqSum (asgd.ts) with the residuals
 * c_i = a_iᵀx − b_i given (at the law point x_L they are the same every step: the host computes
 * them once, with lsqSum's dot product), each out_j summed in batch order — the same bits.
 */
@inline function residualSum(A: usize, d: i32, batch: usize, count: i32, c: usize, out: usize): void {
  const rowBytes = <usize>d << 3;
  const d2 = d & ~1;
  memory.fill(out, 0, rowBytes);
  for (let m: i32 = 0; m < count; m++) {
    const i = load<i32>(batch + (<usize>m << 2));
    const p = A + <usize>i * rowBytes;
    const r = load<f64>(c + (<usize>i << 3));
    const v = f64x2.splat(r);
    let j: i32 = 0;
    for (; j < d2; j += 2) {
      const o = <usize>j << 3;
      v128.store(out + o, f64x2.add(v128.load(out + o), f64x2.mul(v128.load(p + o), v)));
    }
    for (; j < d; j++) {
      const o = <usize>j << 3;
      store<f64>(out + o, load<f64>(out + o) + load<f64>(p + o) * r);
    }
  }
}

/**
 * w = P(∇F(x_L) − g_M(b, x_L)): the minibatch's noise at the law point, whitened (P the law's
 * whitening rows), as axis-coupling.ts axisNormals computes it; gs is scratch (d doubles).
 */
@inline export function whitenedNoise(A: usize, d: i32, batch: usize, b: i32, law: usize, gs: usize, w: usize): void {
  const rowBytes = <usize>d << 3;
  const d4 = d & ~3;
  const fb = <f64>b;
  const gPoint = field(law, L_GPOINT);
  const whiten = field(law, L_WHITEN);
  residualSum(A, d, batch, b, field(law, L_RESIDUAL), gs);
  for (let i: i32 = 0; i < d; i++) {
    const o = <usize>i << 3;
    store<f64>(gs + o, load<f64>(gPoint + o) - load<f64>(gs + o) / fb);
  }
  for (let j: i32 = 0; j < d; j++) store<f64>(w + (<usize>j << 3), row1(whiten + <usize>j * rowBytes, gs, d4, d));
}
