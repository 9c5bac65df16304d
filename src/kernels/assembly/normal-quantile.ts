// AssemblyScript. Φ⁻¹, the normal quantile of the pair kernel (pair.ts): Wichura's AS 241 as
// src/core/math/normal-quantile.ts evaluates it, operation for operation (the same bits:
// test/bridge/axis-pair-kernel.test.ts compares them on 80 000 points), and the map of a step's
// PIT uniforms to the coupled normals z_j = Φ⁻¹(u_j) − β_j, two axes at a time.

import { log } from './libm';

/**
 * Φ⁻¹(p), Wichura's AS 241 as src/core/math/normal-quantile.ts evaluates it (Horner from the top
 * coefficient, fdlibm log).
 */
export function normalQuantile(p: f64): f64 {
  if (isNaN(p) || p < 0 || p > 1) return NaN;
  if (p == 0) return -Infinity;
  if (p == 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    let a = 2509.0809287301226727;
    a = a * r + 33430.575583588128105;
    a = a * r + 67265.770927008700853;
    a = a * r + 45921.953931549871457;
    a = a * r + 13731.693765509461125;
    a = a * r + 1971.5909503065514427;
    a = a * r + 133.14166789178437745;
    a = a * r + 3.387132872796366608;
    let b = 5226.495278852545925;
    b = b * r + 28729.085735721942674;
    b = b * r + 39307.89580009271061;
    b = b * r + 21213.794301586595867;
    b = b * r + 5394.1960214247511077;
    b = b * r + 687.1870074920579083;
    b = b * r + 42.313330701600911252;
    b = b * r + 1;
    return (q * a) / b;
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-log(r));
  let x: f64;
  if (r <= 5) {
    r -= 1.6;
    let a = 7.7454501427834140764e-4;
    a = a * r + 0.0227238449892691845833;
    a = a * r + 0.24178072517745061177;
    a = a * r + 1.27045825245236838258;
    a = a * r + 3.64784832476320460504;
    a = a * r + 5.7694972214606914055;
    a = a * r + 4.6303378461565452959;
    a = a * r + 1.42343711074968357734;
    let b = 1.05075007164441684324e-9;
    b = b * r + 5.475938084995344946e-4;
    b = b * r + 0.0151986665636164571966;
    b = b * r + 0.14810397642748007459;
    b = b * r + 0.68976733498510000455;
    b = b * r + 1.6763848301838038494;
    b = b * r + 2.05319162663775882187;
    b = b * r + 1;
    x = a / b;
  } else {
    r -= 5;
    let a = 2.01033439929228813265e-7;
    a = a * r + 2.71155556874348757815e-5;
    a = a * r + 0.0012426609473880784386;
    a = a * r + 0.026532189526576123093;
    a = a * r + 0.29656057182850489123;
    a = a * r + 1.7848265399172913358;
    a = a * r + 5.4637849111641143699;
    a = a * r + 6.6579046435011037772;
    let b = 2.04426310338993978564e-15;
    b = b * r + 1.4215117583164458887e-7;
    b = b * r + 1.8463183175100546818e-5;
    b = b * r + 7.868691311456132591e-4;
    b = b * r + 0.0148753612908506148525;
    b = b * r + 0.13692988092273580531;
    b = b * r + 0.59983220655588793769;
    b = b * r + 1;
    x = a / b;
  }
  return q < 0 ? -x : x;
}

/** normalQuantile's central branch (|q| ≤ 0.425, q = p − 1/2) for two q at once, lane by lane. */
@inline function centralQuantile2(q: v128): v128 {
  const r = f64x2.sub(f64x2.splat(0.180625), f64x2.mul(q, q));
  let a = f64x2.splat(2509.0809287301226727);
  a = f64x2.add(f64x2.mul(a, r), f64x2.splat(33430.575583588128105));
  a = f64x2.add(f64x2.mul(a, r), f64x2.splat(67265.770927008700853));
  a = f64x2.add(f64x2.mul(a, r), f64x2.splat(45921.953931549871457));
  a = f64x2.add(f64x2.mul(a, r), f64x2.splat(13731.693765509461125));
  a = f64x2.add(f64x2.mul(a, r), f64x2.splat(1971.5909503065514427));
  a = f64x2.add(f64x2.mul(a, r), f64x2.splat(133.14166789178437745));
  a = f64x2.add(f64x2.mul(a, r), f64x2.splat(3.387132872796366608));
  let b = f64x2.splat(5226.495278852545925);
  b = f64x2.add(f64x2.mul(b, r), f64x2.splat(28729.085735721942674));
  b = f64x2.add(f64x2.mul(b, r), f64x2.splat(39307.89580009271061));
  b = f64x2.add(f64x2.mul(b, r), f64x2.splat(21213.794301586595867));
  b = f64x2.add(f64x2.mul(b, r), f64x2.splat(5394.1960214247511077));
  b = f64x2.add(f64x2.mul(b, r), f64x2.splat(687.1870074920579083));
  b = f64x2.add(f64x2.mul(b, r), f64x2.splat(42.313330701600911252));
  b = f64x2.add(f64x2.mul(b, r), f64x2.splat(1));
  return f64x2.div(f64x2.mul(q, a), b);
}

/**
 * z_j = Φ⁻¹(u_j) − β_j for the d axes (Φ⁻¹(v_j) on an axis without noise, dead_j ≠ 0: i32 flags),
 * as axis-coupling.ts maps them; two axes at once in f64x2 when both lie in AS 241's central
 * region (the same operations lane by lane: the same bits). u, v, β, z: d doubles.
 */
@inline export function coupledNormals(d: i32, dead: usize, vk: usize, u: usize, bias: usize, z: usize): void {
  let j: i32 = 0;
  for (; j + 2 <= d; j += 2) {
    const o = <usize>j << 3;
    const dead0 = load<i32>(dead + (<usize>j << 2)) != 0;
    const dead1 = load<i32>(dead + (<usize>j << 2), 4) != 0;
    const p0 = dead0 ? load<f64>(vk + o) : load<f64>(u + o);
    const p1 = dead1 ? load<f64>(vk + o, 8) : load<f64>(u + o, 8);
    const q0 = p0 - 0.5;
    const q1 = p1 - 0.5;
    if (Math.abs(q0) <= 0.425 && Math.abs(q1) <= 0.425) {
      const x = centralQuantile2(f64x2.replace_lane(f64x2.splat(q0), 1, q1));
      store<f64>(z + o, dead0 ? f64x2.extract_lane(x, 0) : f64x2.extract_lane(x, 0) - load<f64>(bias + o));
      store<f64>(z + o, dead1 ? f64x2.extract_lane(x, 1) : f64x2.extract_lane(x, 1) - load<f64>(bias + o, 8), 8);
    } else {
      store<f64>(z + o, dead0 ? normalQuantile(p0) : normalQuantile(p0) - load<f64>(bias + o));
      store<f64>(z + o, dead1 ? normalQuantile(p1) : normalQuantile(p1) - load<f64>(bias + o, 8), 8);
    }
  }
  for (; j < d; j++) {
    const o = <usize>j << 3;
    store<f64>(z + o, load<i32>(dead + (<usize>j << 2)) != 0 ? normalQuantile(load<f64>(vk + o)) : normalQuantile(load<f64>(u + o)) - load<f64>(bias + o));
  }
}
