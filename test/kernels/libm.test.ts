/**
 * fdlibm's exp, log, expm1, tanh and log1p (src/core/math/libm.ts and its AssemblyScript twin in the
 * WebAssembly module):
 *  - both ports give the same bits on 10⁶ arguments (what makes kernel and fallback agree);
 *  - both are within 1 ulp of the C library's exp and log, from test/fixtures/libm.json
 *    (written by test/fixtures/libm.py: Python's math.exp/math.log, an independent implementation);
 *  - on Node 20 they equal Math.exp, Math.log, Math.expm1 bit for bit (V8 11 computes them with
 *    fdlibm) and Math.tanh on Linux (glibc's tanh, also fdlibm's algorithm): this is why switching
 *    the ziggurat, the sigmoid, softmax and the MLP to the ports changed no result.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exp, expm1, log, log1p, tanh } from '../../src/core/math/libm.ts';
import { KernelInstance, wasmBytes } from '../../src/kernels/index.ts';

// The Node 20 comparisons below are skipped on other Node versions (their Math.* may differ by an
// ulp; the fixture comparison still runs). CI runs Node 20 (the project's image): a skip there
// would hide a failure, so it fails the run instead.
if (process.env.CI && !process.versions.node.startsWith('20.')) throw new Error(`CI must run Node 20 for the bit-for-bit libm comparisons (this is ${process.version})`);

/** A Python float.hex string as a double (exact). */
function fromHex(s: string): number {
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (s === 'nan') return NaN;
  const m = /^(-?)0x([01])\.([0-9a-f]*)p([+-]\d+)$/.exec(s);
  if (!m) throw new Error(`not a float.hex: ${s}`);
  const frac = m[3].padEnd(13, '0');
  const mant = Number(m[2]) * 2 ** 52 + parseInt(frac, 16);
  let v = mant;
  let e = Number(m[4]) - 52;
  while (e > 0) { const s2 = Math.min(e, 1000); v *= 2 ** s2; e -= s2; }
  while (e < 0) { const s2 = Math.min(-e, 1000); v /= 2 ** s2; e += s2; }
  return m[1] ? -v : v;
}

/** Distance in units in the last place (bit patterns of same-sign finite doubles). */
function ulps(a: number, b: number): number {
  if (Object.is(a, b)) return 0;
  const buf = new DataView(new ArrayBuffer(16));
  buf.setFloat64(0, a);
  buf.setFloat64(8, b);
  return Number(buf.getBigInt64(0) - buf.getBigInt64(8) < 0n ? buf.getBigInt64(8) - buf.getBigInt64(0) : buf.getBigInt64(0) - buf.getBigInt64(8));
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/libm.json', import.meta.url), 'utf8')) as Record<'log' | 'exp' | 'expm1' | 'tanh' | 'log1p', [string, string][]>;
const wasm = new KernelInstance(new WebAssembly.Module(wasmBytes())).k;

/** 10⁶ arguments: random bit patterns and the ranges the kernels use. */
function* args(): Generator<number> {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  let s = 12345;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  for (let i = 0; i < 250_000; i++) {
    u[0] = next();
    u[1] = next();
    yield f[0];
    yield next() / 2 ** 32;
    yield -0.5 * (3.5 * next() / 2 ** 32) ** 2;
    yield (next() / 2 ** 32 - 0.5) * 1500;
  }
  yield* [0, -0, 1, -1, Infinity, -Infinity, NaN, 5e-324, 1e-310, 709.78, 709.79, -745.13, -745.14];
}

describe('fdlibm exp and log', () => {
  it('the TypeScript and the WebAssembly ports give the same bits (10⁶ arguments)', () => {
    let n = 0;
    for (const x of args()) {
      n++;
      if (!Object.is(log(x), wasm.log(x))) expect(wasm.log(x), `log(${x})`).toBe(log(x));
      if (!Object.is(exp(x), wasm.exp(x))) expect(wasm.exp(x), `exp(${x})`).toBe(exp(x));
    }
    expect(n).toBeGreaterThan(1_000_000);
  });

  it(`within 1 ulp of the C library (${fixture.log.length} log, ${fixture.exp.length} exp arguments from test/fixtures/libm.py)`, () => {
    for (const [xs, ys] of fixture.log) {
      const x = fromHex(xs);
      const want = fromHex(ys);
      expect(ulps(log(x), want), `log(${x}) = ${log(x)}, C library ${want}`).toBeLessThanOrEqual(1);
    }
    for (const [xs, ys] of fixture.exp) {
      const x = fromHex(xs);
      const want = fromHex(ys);
      expect(ulps(exp(x), want), `exp(${x}) = ${exp(x)}, C library ${want}`).toBeLessThanOrEqual(1);
    }
  });

  it('special values', () => {
    expect(log(0)).toBe(-Infinity);
    expect(log(-0)).toBe(-Infinity);
    expect(log(-1)).toBeNaN();
    expect(log(Infinity)).toBe(Infinity);
    expect(log(NaN)).toBeNaN();
    expect(log(1)).toBe(0);
    expect(exp(-Infinity)).toBe(0);
    expect(exp(Infinity)).toBe(Infinity);
    expect(exp(NaN)).toBeNaN();
    expect(exp(0)).toBe(1);
    expect(exp(1)).toBe(Math.E);
    expect(exp(710)).toBe(Infinity);
    expect(exp(-746)).toBe(0);
  });

  it.runIf(process.versions.node.startsWith('20.'))('equal to Math.exp and Math.log of Node 20 (V8 11: fdlibm), so results did not change', () => {
    for (const x of args()) {
      if (!Object.is(log(x), Math.log(x))) expect(log(x), `log(${x})`).toBe(Math.log(x));
      if (!Object.is(exp(x), Math.exp(x))) expect(exp(x), `exp(${x})`).toBe(Math.exp(x));
    }
  });
});

describe('fdlibm expm1 and tanh', () => {
  it('the TypeScript and the WebAssembly ports give the same bits (10⁶ arguments)', () => {
    for (const x of args()) {
      if (!Object.is(expm1(x), wasm.expm1!(x))) expect(wasm.expm1!(x), `expm1(${x})`).toBe(expm1(x));
      if (!Object.is(tanh(x), wasm.tanh!(x))) expect(wasm.tanh!(x), `tanh(${x})`).toBe(tanh(x));
    }
  });
  it(`within 1 ulp of the C library (${fixture.expm1.length} expm1, ${fixture.tanh.length} tanh arguments)`, () => {
    for (const [xs, ys] of fixture.expm1) expect(ulps(expm1(fromHex(xs)), fromHex(ys)), `expm1(${fromHex(xs)})`).toBeLessThanOrEqual(1);
    for (const [xs, ys] of fixture.tanh) expect(ulps(tanh(fromHex(xs)), fromHex(ys)), `tanh(${fromHex(xs)})`).toBeLessThanOrEqual(1);
  });
  it('special values', () => {
    expect(tanh(0)).toBe(0);
    expect(Object.is(tanh(-0), -0)).toBe(true);
    expect(tanh(Infinity)).toBe(1);
    expect(tanh(-Infinity)).toBe(-1);
    expect(tanh(NaN)).toBeNaN();
    expect(tanh(30)).toBe(1);
    expect(expm1(0)).toBe(0);
    expect(expm1(-Infinity)).toBe(-1);
    expect(expm1(Infinity)).toBe(Infinity);
    expect(expm1(-50)).toBe(-1);
    expect(expm1(1e-20)).toBe(1e-20);
  });
  it.runIf(process.versions.node.startsWith('20.') && process.platform === 'linux')('equal to Math.expm1 and Math.tanh of Node 20 on Linux (fdlibm expm1, glibc tanh), so MLP results did not change', () => {
    for (const x of args()) {
      if (!Object.is(expm1(x), Math.expm1(x))) expect(expm1(x), `expm1(${x})`).toBe(Math.expm1(x));
      if (!Object.is(tanh(x), Math.tanh(x))) expect(tanh(x), `tanh(${x})`).toBe(Math.tanh(x));
    }
  });
});

describe('fdlibm log1p (the logistic loss log(1 + e^z))', () => {
  /** args() and, for log1p, (−1, 1) and the high words of its branch thresholds. */
  function* log1pArgs(): Generator<number> {
    yield* args();
    const f = new Float64Array(1);
    const u = new Uint32Array(f.buffer);
    let s = 777;
    const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
    for (let i = 0; i < 100_000; i++) {
      yield -1 + (2 * next()) / 2 ** 32;
      yield Math.exp((-40 * next()) / 2 ** 32);
    }
    for (const hw of [0xbfd2bec4, 0xbfd2bec3, 0xbfd2bec5, 0x3fda827a, 0x3fda8279, 0x3e200000, 0x3c900000, 0x43400000, 0x433fffff]) {
      for (let i = 0; i < 1000; i++) {
        u[1] = hw;
        u[0] = next();
        yield f[0];
      }
    }
    yield* [-1, -2, 2 ** 53, 2 ** 54, 1.7976931348623157e308];
  }
  it('the TypeScript and the WebAssembly ports give the same bits (1.2·10⁶ arguments)', () => {
    for (const x of log1pArgs()) if (!Object.is(log1p(x), wasm.log1p!(x))) expect(wasm.log1p!(x), `log1p(${x})`).toBe(log1p(x));
  });
  it(`within 1 ulp of the C library (${fixture.log1p.length} arguments)`, () => {
    for (const [xs, ys] of fixture.log1p) expect(ulps(log1p(fromHex(xs)), fromHex(ys)), `log1p(${fromHex(xs)})`).toBeLessThanOrEqual(1);
  });
  it('special values', () => {
    expect(log1p(-1)).toBe(-Infinity);
    expect(log1p(-2)).toBeNaN();
    expect(log1p(-Infinity)).toBeNaN();
    expect(log1p(NaN)).toBeNaN();
    expect(log1p(Infinity)).toBe(Infinity);
    expect(log1p(0)).toBe(0);
    expect(Object.is(log1p(-0), -0)).toBe(true);
    expect(log1p(1e-300)).toBe(1e-300);
  });
  it.runIf(process.versions.node.startsWith('20.'))('equal to Math.log1p of Node 20 (V8 11: fdlibm), so the logistic loss did not change', () => {
    for (const x of log1pArgs()) if (!Object.is(log1p(x), Math.log1p(x))) expect(log1p(x), `log1p(${x})`).toBe(Math.log1p(x));
  });
});

describe('exp of two arguments in f64x2 lanes (the logistic kernels’ sigmoid and softplus)', () => {
  it('expPairs ≡ exp bit for bit on 10⁶ arguments: (−707, 0], the branch thresholds of the reduction (½ ln 2, 1.5 ln 2, 2^-28), mixed pairs, and arguments outside the lanes’ range', () => {
    const inst = new KernelInstance(new WebAssembly.Module(wasmBytes()));
    const count = 1 << 20;
    const src = inst.alloc(count * 8);
    const dst = inst.alloc(count * 8);
    const f = new Float64Array(1);
    const u = new Uint32Array(f.buffer);
    let s = 4242;
    const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
    const xs = new Float64Array(count);
    const thresholds = [0x3fd62e42, 0x3fd62e43, 0x3ff0a2b1, 0x3ff0a2b2, 0x3ff0a2b3, 0x3e2fffff, 0x3e300000, 0x3e300001];
    for (let i = 0; i < count; i++) {
      const kind = i % 8;
      if (kind < 3) xs[i] = (-707 * next()) / 2 ** 32;
      else if (kind === 3) xs[i] = -Math.exp((-40 * next()) / 2 ** 32); // |x| ≤ 1, where the branches are
      else if (kind === 4) {
        u[1] = thresholds[next() % thresholds.length] | 0x80000000; // −x with that high word
        u[0] = next();
        xs[i] = f[0];
      } else if (kind === 5) xs[i] = (-1e-8 * next()) / 2 ** 32;
      else if (kind === 6) xs[i] = -706.9 - (0.2 * next()) / 2 ** 32; // around the lanes’ bound −707
      else xs[i] = [0, -0, 0.5, 3, NaN, -Infinity, -745.2, -710, 1e-300, -5e-324][next() % 10]; // outside the lanes, or ±0
    }
    inst.f64.set(xs, src >> 3);
    inst.k.expPairs!(src, dst, count);
    const got = inst.f64.subarray(dst >> 3, (dst >> 3) + count);
    for (let i = 0; i < count; i++) if (!Object.is(got[i], exp(xs[i]))) expect(got[i], `exp(${xs[i]}) at ${i}`).toBe(exp(xs[i]));
  });
});
