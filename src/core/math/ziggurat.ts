/**
 * The tables of the 128-layer ziggurat of Marsaglia & Tsang (2000, J. Stat. Softw. 5(8)), built
 * once here (a math leaf) for both users: the normal sampler (random/normal.ts) and the
 * WebAssembly kernels, which copy them into their memory (kernels/index.ts).
 */
import { exp, log } from './libm.ts';

/** Start of the tail of the 128-layer ziggurat (Marsaglia & Tsang 2000). */
export const ZIGGURAT_R = 3.442619855899;
const R = ZIGGURAT_R;
/**
 * The tables kn, wn, fn (128 doubles each, in that order), shared with the WebAssembly kernels.
 * exp and log are fdlibm's (src/core/math/libm.ts) rather than Math.exp/Math.log, here and in the
 * sampler's slow path (random/normal.ts), so that the stream is the same in every JavaScript engine — and in Node 20 the
 * same as with Math.exp/Math.log, which are fdlibm there.
 */
export const ZIGGURAT_TABLES = new Float64Array(3 * 128);
const kn = ZIGGURAT_TABLES.subarray(0, 128);
const wn = ZIGGURAT_TABLES.subarray(128, 256);
const fn = ZIGGURAT_TABLES.subarray(256, 384);
(() => {
  // zigset of Marsaglia & Tsang (2000) for RNOR
  const m1 = 2147483648.0;
  const vn = 9.91256303526217e-3;
  let dn = R;
  let tn = dn;
  const q = vn / exp(-0.5 * dn * dn);
  kn[0] = (dn / q) * m1;
  kn[1] = 0;
  wn[0] = q / m1;
  wn[127] = dn / m1;
  fn[0] = 1;
  fn[127] = exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * log(vn / dn + exp(-0.5 * dn * dn)));
    kn[i + 1] = (dn / tn) * m1;
    tn = dn;
    fn[i] = exp(-0.5 * dn * dn);
    wn[i] = dn / m1;
  }
})();
