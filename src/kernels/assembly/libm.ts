// AssemblyScript. fdlibm's exp and log, the same port as src/core/math/libm.ts (see there for why):
// both must change together, and test/kernels/libm.test.ts compares them bit for bit.

const LN2_HI: f64 = 6.93147180369123816490e-1;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const TWO54: f64 = 1.8014398509481984e16;
const Lg1: f64 = 6.666666666666735130e-1;
const Lg2: f64 = 3.999999999940941908e-1;
const Lg3: f64 = 2.857142874366239149e-1;
const Lg4: f64 = 2.222219843214978396e-1;
const Lg5: f64 = 1.818357216161805012e-1;
const Lg6: f64 = 1.531383769920937332e-1;
const Lg7: f64 = 1.479819860511658591e-1;

@inline function hiWord(x: f64): i32 {
  return <i32>(reinterpret<u64>(x) >> 32);
}
@inline function loWord(x: f64): u32 {
  return <u32>reinterpret<u64>(x);
}
@inline function withHiWord(x: f64, hi: i32): f64 {
  return reinterpret<f64>((reinterpret<u64>(x) & 0xffffffff) | (<u64><u32>hi << 32));
}

export function log(xIn: f64): f64 {
  let x = xIn;
  let hx = hiWord(x);
  const lx = loWord(x);
  let k: i32 = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | lx) == 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= TWO54;
    hx = hiWord(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i0 = (hx + 0x95f64) & 0x100000;
  x = withHiWord(x, hx | (i0 ^ 0x3ff00000));
  k += i0 >> 20;
  const f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) {
    if (f == 0) {
      if (k == 0) return 0;
      const dk = <f64>k;
      return dk * LN2_HI + dk * LN2_LO;
    }
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - R;
    const dk = <f64>k;
    return dk * LN2_HI - ((R - dk * LN2_LO) - f);
  }
  const s = f / (2.0 + f);
  const dk = <f64>k;
  const z = s * s;
  let i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * LN2_HI - ((s * (f - R) - dk * LN2_LO) - f);
}

const O_THRESHOLD: f64 = 7.09782712893383973096e2;
const U_THRESHOLD: f64 = -7.45133219101941108420e2;
const INVLN2: f64 = 1.44269504088896338700e0;
const P1: f64 = 1.66666666666666019037e-1;
const P2: f64 = -2.77777777770155933842e-3;
const P3: f64 = 6.61375632143793436117e-5;
const P4: f64 = -1.65339022054652515390e-6;
const P5: f64 = 4.13813679705723846039e-8;
const E: f64 = 2.718281828459045;
const TWOM1000: f64 = 9.33263618503218878990e-302;
const TWO1023: f64 = 8.988465674311579539e307;

export function exp(xIn: f64): f64 {
  let x = xIn;
  let hx = hiWord(x);
  const xsb = (hx >>> 31) & 1;
  hx &= 0x7fffffff;
  let hi: f64 = 0;
  let lo: f64 = 0;
  let k: i32 = 0;
  if (hx >= 0x40862e42) {
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | loWord(x)) != 0) return x + x;
      return xsb == 0 ? x : 0;
    }
    if (x > O_THRESHOLD) return Infinity;
    if (x < U_THRESHOLD) return 0;
  }
  if (hx > 0x3fd62e42) {
    if (hx < 0x3ff0a2b2) {
      if (x == 1.0) return E;
      hi = xsb == 0 ? x - LN2_HI : x + LN2_HI;
      lo = xsb == 0 ? LN2_LO : -LN2_LO;
      k = 1 - xsb - xsb;
    } else {
      k = <i32>(INVLN2 * x + (xsb == 0 ? 0.5 : -0.5));
      const t = <f64>k;
      hi = x - t * LN2_HI;
      lo = t * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    return 1 + x;
  }
  const t = x * x;
  const twopk = k >= -1021
    ? reinterpret<f64>(<u64><u32>(0x3ff00000 + (k << 20)) << 32)
    : reinterpret<f64>(<u64><u32>(0x3ff00000 + ((k + 1000) << 20)) << 32);
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1 - ((x * c) / (c - 2.0) - x);
  const y = 1 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * TWO1023;
    return y * twopk;
  }
  return y * twopk * TWOM1000;
}

const Q1: f64 = -3.33333333333331316428e-2;
const Q2: f64 = 1.58730158725481460165e-3;
const Q3: f64 = -7.93650757867487942473e-5;
const Q4: f64 = 4.00821782732936239552e-6;
const Q5: f64 = -2.01099218183624371326e-7;

@inline function fromHi(hi: i32): f64 {
  return reinterpret<f64>(<u64><u32>hi << 32);
}

export function expm1(xIn: f64): f64 {
  let x = xIn;
  let hx = <u32>hiWord(x);
  const xsb = hx & 0x80000000;
  hx &= 0x7fffffff;
  if (hx >= 0x4043687a) {
    if (hx >= 0x40862e42) {
      if (hx >= 0x7ff00000) {
        if (((hx & 0xfffff) | loWord(x)) != 0) return x + x;
        return xsb == 0 ? x : -1;
      }
      if (x > O_THRESHOLD) return Infinity;
    }
    if (xsb != 0) return -1;
  }
  let k: i32 = 0;
  let c: f64 = 0;
  if (hx > 0x3fd62e42) {
    let hi: f64;
    let lo: f64;
    if (hx < 0x3ff0a2b2) {
      if (xsb == 0) {
        hi = x - LN2_HI;
        lo = LN2_LO;
        k = 1;
      } else {
        hi = x + LN2_HI;
        lo = -LN2_LO;
        k = -1;
      }
    } else {
      k = <i32>(INVLN2 * x + (xsb == 0 ? 0.5 : -0.5));
      const t = <f64>k;
      hi = x - t * LN2_HI;
      lo = t * LN2_LO;
    }
    x = hi - lo;
    c = (hi - x) - lo;
  } else if (hx < 0x3c900000) {
    return x;
  }
  const hfx = 0.5 * x;
  const hxs = x * hfx;
  const r1 = 1 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
  let t = 3.0 - r1 * hfx;
  let e = hxs * ((r1 - t) / (6.0 - x * t));
  if (k == 0) return x - (x * e - hxs);
  const twopk = fromHi(0x3ff00000 + (k << 20));
  e = x * (e - c) - c;
  e -= hxs;
  if (k == -1) return 0.5 * (x - e) - 0.5;
  if (k == 1) {
    if (x < -0.25) return -2.0 * (e - (x + 0.5));
    return 1 + 2.0 * (x - e);
  }
  let y: f64;
  if (k <= -2 || k > 56) {
    y = 1 - (e - x);
    y = k == 1024 ? y * 2.0 * TWO1023 : y * twopk;
    return y - 1;
  }
  if (k < 20) {
    t = fromHi(0x3ff00000 - (0x200000 >> k));
    y = t - (e - x);
    return y * twopk;
  }
  t = fromHi((0x3ff - k) << 20);
  y = x - (e + t);
  y += 1;
  return y * twopk;
}

export function tanh(x: f64): f64 {
  const jx = hiWord(x);
  const ix = jx & 0x7fffffff;
  if (ix >= 0x7ff00000) return jx >= 0 ? 1 / x + 1 : 1 / x - 1;
  let z: f64;
  if (ix < 0x40360000) {
    if (ix < 0x3e300000) return x;
    if (ix >= 0x3ff00000) {
      const t = expm1(2 * Math.abs(x));
      z = 1 - 2 / (t + 2);
    } else {
      const t = expm1(-2 * Math.abs(x));
      z = -t / (t + 2);
    }
  } else z = 1;
  return jx >= 0 ? z : -z;
}

/** log(1 + x): fdlibm s_log1p.c in FreeBSD's form, the port of src/core/math/libm.ts. */
export function log1p(x: f64): f64 {
  const hx = hiWord(x);
  const ax = hx & 0x7fffffff;
  let k: i32 = 1;
  let f: f64 = 0;
  let c: f64 = 0;
  let hu: i32 = 0;
  if (hx < 0x3fda827a) {
    if (ax >= 0x3ff00000) return x == -1 ? -Infinity : NaN;
    if (ax < 0x3e200000) {
      if (ax < 0x3c900000) return x;
      return x - x * x * 0.5;
    }
    if (hx > 0 || hx <= <i32>0xbfd2bec4) {
      k = 0;
      f = x;
      hu = 1;
    }
  }
  if (hx >= 0x7ff00000) return x + x;
  if (k != 0) {
    let u: f64;
    if (hx < 0x43400000) {
      u = 1 + x;
      hu = hiWord(u);
      k = (hu >> 20) - 1023;
      c = k > 0 ? 1 - (u - x) : x - (u - 1);
      c /= u;
    } else {
      u = x;
      hu = hx;
      k = (hu >> 20) - 1023;
      c = 0;
    }
    hu &= 0x000fffff;
    if (hu < 0x6a09e) {
      u = withHiWord(u, hu | 0x3ff00000);
    } else {
      k += 1;
      u = withHiWord(u, hu | 0x3fe00000);
      hu = (0x00100000 - hu) >> 2;
    }
    f = u - 1;
  }
  const hfsq = 0.5 * f * f;
  const dk = <f64>k;
  if (hu == 0) {
    if (f == 0) {
      if (k == 0) return 0;
      c += dk * LN2_LO;
      return dk * LN2_HI + c;
    }
    const R = hfsq * (1 - 0.66666666666666666 * f);
    if (k == 0) return f - R;
    return dk * LN2_HI - ((R - (dk * LN2_LO + c)) - f);
  }
  const s = f / (2 + f);
  const z = s * s;
  const R = z * (Lg1 + z * (Lg2 + z * (Lg3 + z * (Lg4 + z * (Lg5 + z * (Lg6 + z * Lg7))))));
  if (k == 0) return f - (hfsq - s * (hfsq + R));
  return dk * LN2_HI - ((hfsq - (s * (hfsq + R) + (dk * LN2_LO + c))) - f);
}

// exp of two arguments x ≤ 0 at once (f64x2 lanes), the operations of `exp` above lane by lane, so
// the same bits: the reduction k = trunc(x/ln 2 − ½) of the |x| ≥ 1.5 ln 2 branch also gives the
// k = −1 branch's k, hi and lo exactly (t·ln2_hi = −ln2_hi for t = −1), k = 0 lanes (|x| ≤ ½ ln 2,
// by the high word) take t = 0, so hi = x and lo = 0, and keep their own last line, and
// |x| < 2^-28 lanes give 1 + x. 2^k is built from the bits of k + 1023 + 2^52. Only for
// −707 < x ≤ 0 (k ≥ −1020: no subnormal scaling); `expNonPositiveRange2` says whether both lanes are.

/** |x| from which exp reduces by k ≠ 0: the first double with high word 0x3fd62e43 (hx > 0x3fd62e42). */
const EXP_REDUCE: f64 = 0.3465735912322998;
/** |x| below which exp(x) = 1 + x: the double with high word 0x3e300000 (2^-28). */
const EXP_TINY: f64 = 3.725290298461914e-9;

/** Whether both lanes lie in −707 < x ≤ 0 (false for NaN), where expNonPositive2 applies. */
@inline export function expNonPositiveRange2(x: v128): bool {
  return i64x2.all_true(v128.and(f64x2.le(x, f64x2.splat(0)), f64x2.gt(x, f64x2.splat(-707))));
}

/** (exp(x₀), exp(x₁)) for −707 < x ≤ 0, bit for bit `exp` (see above). */
@inline export function expNonPositive2(x: v128): v128 {
  const ax = f64x2.abs(x);
  const reduce = f64x2.ge(ax, f64x2.splat(EXP_REDUCE));
  const tiny = f64x2.lt(ax, f64x2.splat(EXP_TINY));
  const kf = v128.and(f64x2.trunc(f64x2.add(f64x2.mul(f64x2.splat(INVLN2), x), f64x2.splat(-0.5))), reduce);
  const hi = f64x2.sub(x, f64x2.mul(kf, f64x2.splat(LN2_HI)));
  const lo = f64x2.mul(kf, f64x2.splat(LN2_LO));
  const xr = f64x2.sub(hi, lo);
  const t = f64x2.mul(xr, xr);
  let p = f64x2.add(f64x2.splat(P4), f64x2.mul(t, f64x2.splat(P5)));
  p = f64x2.add(f64x2.splat(P3), f64x2.mul(t, p));
  p = f64x2.add(f64x2.splat(P2), f64x2.mul(t, p));
  p = f64x2.add(f64x2.splat(P1), f64x2.mul(t, p));
  const c = f64x2.sub(xr, f64x2.mul(t, p));
  const two = f64x2.splat(2.0);
  const q = f64x2.div(f64x2.mul(xr, c), v128.bitselect(f64x2.sub(two, c), f64x2.sub(c, two), reduce));
  const one = f64x2.splat(1);
  const r0 = f64x2.sub(one, f64x2.sub(q, xr));
  const y = f64x2.sub(one, f64x2.sub(f64x2.sub(lo, q), hi));
  const twopk = i64x2.shl(f64x2.add(kf, f64x2.splat(4503599627371519.0)), 52); // (k + 1023) << 52
  const rk = f64x2.mul(y, twopk);
  return v128.bitselect(f64x2.add(one, x), v128.bitselect(rk, r0, reduce), tiny);
}

/**
 * dst[i] = exp(src[i]) for i < count, two at a time through expNonPositive2 where both lie in
 * (−707, 0], else by `exp`: what the logistic kernels do, exported for the bit-for-bit tests.
 */
export function expPairs(src: usize, dst: usize, count: i32): void {
  let i: i32 = 0;
  for (; i + 2 <= count; i += 2) {
    const o = <usize>i << 3;
    const x = v128.load(src + o);
    if (expNonPositiveRange2(x)) v128.store(dst + o, expNonPositive2(x));
    else {
      store<f64>(dst + o, exp(load<f64>(src + o)));
      store<f64>(dst + o + 8, exp(load<f64>(src + o + 8)));
    }
  }
  if (i < count) store<f64>(dst + (<usize>i << 3), exp(load<f64>(src + (<usize>i << 3))));
}
