/**
 * The numeric kernels of asgd-sdde, in one place for the solver, the ASGD runner and the browser
 * bundle: WebAssembly SIMD (built from src/kernels/assembly/ by scripts/build-kernels.mjs and
 * embedded in wasm-module.ts, so Node, the built package and bundlers load it without file access)
 * with a TypeScript fallback (fallback.ts) that gives the same bits.
 *
 * Choosing the backend ('auto', the default): WebAssembly SIMD where `WebAssembly.validate`
 * accepts the module (every current browser and Node ≥ 16); the TypeScript fallback where
 * WebAssembly or its SIMD is missing, or until the module has compiled where compiling it
 * synchronously is refused (browsers may refuse it on the main thread above a size limit — Chrome
 * once did above 4 kB: there the module compiles asynchronously and the fallback runs meanwhile;
 * `await kernelsReady()` waits for it).
 * The kernel API itself is synchronous. Since both backends give the same bits, which one ran
 * never changes a result, only its speed. `setKernelBackend` or the environment variable
 * ASGD_SDDE_KERNELS (auto | wasm-simd | typescript) forces one, for tests and benchmarks.
 *
 * Memory: a `KernelInstance` is one WebAssembly instance (or one fallback buffer) with a bump
 * allocator. The solver borrows the shared workspace for a solve (a nested solve, e.g. from a drift
 * callback, gets an instance of its own); objectives that keep data in kernel memory own an
 * instance each, reclaimed with the objective by the garbage collector.
 */
import { ZIGGURAT_TABLES } from '../core/math/ziggurat.ts';
import { type KernelExports, type MemoryViews, typeScriptKernels } from './fallback.ts';
import { HEAP_START, ZIGGURAT_BYTES } from './layout.ts';
import { WASM_BASE64 } from './wasm-module.ts';

/**
 * Which implementation of the numerical kernels runs: WebAssembly SIMD or the TypeScript fallback
 * (bit-identical results).
 */
export type KernelBackend = 'wasm-simd' | 'typescript';
/**
 * A backend to force with {@link setKernelBackend}, or 'auto' (WebAssembly SIMD where supported).
 */
export type KernelPreference = 'auto' | KernelBackend;

const PAGE = 65536;

/** One set of kernels with its own memory and a bump allocator (16-byte aligned). */
export class KernelInstance implements MemoryViews {
  readonly backend: KernelBackend;
  readonly k: KernelExports;
  f64!: Float64Array;
  i32!: Int32Array;
  u32!: Uint32Array;
  private top = HEAP_START;
  private readonly buffer: () => ArrayBuffer;
  private readonly growBy: (pages: number) => void;
  private seen: ArrayBuffer | null = null;
  /** Pointer to the ziggurat tables kn, wn, fn. */
  readonly tables: number;
  /** The allocation mark when borrowed (see borrowKernels). */
  borrowedAt = 0;

  constructor(module: WebAssembly.Module | null) {
    if (module) {
      const instance = new WebAssembly.Instance(module, {});
      const memory = instance.exports.memory as WebAssembly.Memory;
      this.backend = 'wasm-simd';
      this.k = instance.exports as unknown as KernelExports;
      this.buffer = () => memory.buffer;
      this.growBy = (pages) => void memory.grow(pages);
    } else {
      let buf = new ArrayBuffer(0);
      this.backend = 'typescript';
      this.k = typeScriptKernels(this);
      this.buffer = () => buf;
      this.growBy = (pages) => {
        const next = new ArrayBuffer(buf.byteLength + pages * PAGE);
        new Uint8Array(next).set(new Uint8Array(buf));
        buf = next;
      };
    }
    this.refresh();
    this.tables = this.alloc(ZIGGURAT_BYTES);
    this.f64.set(ZIGGURAT_TABLES, this.tables >> 3);
    this.k.setZigguratTables(this.tables);
  }

  /** Re-create the typed views if the memory has grown (its buffer is then a new object). */
  refresh(): void {
    const b = this.buffer();
    if (b === this.seen) return;
    this.seen = b;
    this.f64 = new Float64Array(b);
    this.i32 = new Int32Array(b);
    this.u32 = new Uint32Array(b);
  }

  /** Reserve `bytes` (16-byte aligned), growing the memory when needed; returns the byte offset. */
  alloc(bytes: number): number {
    const p = this.top;
    const end = p + Math.ceil(bytes / 16) * 16;
    if (!(end <= 2 ** 31)) throw new RangeError(`kernel memory: ${end} bytes requested, more than 2 GiB`);
    const have = this.buffer().byteLength;
    if (end > have) this.growBy(Math.ceil((end - have) / PAGE));
    this.top = end;
    this.refresh();
    return p;
  }

  /** The allocation mark, for `release`. */
  mark(): number {
    return this.top;
  }

  /** Free everything allocated since `mark` (stack discipline). */
  release(mark: number): void {
    this.top = mark;
  }
}

let preference: KernelPreference = readPreference();
let compiled: WebAssembly.Module | null | undefined; // undefined: not tried yet; null: unavailable
let compiling: Promise<WebAssembly.Module | null> | undefined;
let bytesCache: Uint8Array<ArrayBuffer> | undefined;
const shared: Partial<Record<KernelBackend, KernelInstance>> = {};

function readPreference(): KernelPreference {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.ASGD_SDDE_KERNELS;
  if (env === undefined || env === '') return 'auto';
  if (env === 'auto' || env === 'wasm-simd' || env === 'typescript') return env;
  throw new RangeError(`ASGD_SDDE_KERNELS: must be auto, wasm-simd or typescript, got '${env}'`);
}

/** The module's bytes (decoded once from the embedded base64). */
export function wasmBytes(): Uint8Array<ArrayBuffer> {
  if (bytesCache) return bytesCache;
  // Node's Buffer decodes natively (≈ 0.2 ms); the loop below runs once, in the interpreter, and
  // took 2.5–7 ms of a program's first solve (browsers have no Buffer)
  const nodeBuffer = (globalThis as { Buffer?: { from(s: string, enc: 'base64'): Uint8Array } }).Buffer;
  if (nodeBuffer) {
    const b = nodeBuffer.from(WASM_BASE64, 'base64');
    return (bytesCache = new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer));
  }
  const bin = atob(WASM_BASE64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return (bytesCache = out);
}

/** True where this JavaScript engine has WebAssembly with SIMD (it validates the module). */
export function wasmSimdSupported(): boolean {
  return typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function' && WebAssembly.validate(wasmBytes());
}

/** The compiled module now, or null (unsupported, or compiling asynchronously). */
function moduleNow(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  if (compiling) return null;
  if (!wasmSimdSupported()) return (compiled = null);
  try {
    compiled = new WebAssembly.Module(wasmBytes());
  } catch {
    // a browser's main thread may refuse synchronous compilation of larger modules (or a CSP may
    // refuse it): compile in the background and use the fallback until then
    startCompiling();
    return null;
  }
  return compiled;
}

function startCompiling(): Promise<WebAssembly.Module | null> {
  compiling ??= WebAssembly.compile(wasmBytes()).then(
    (m) => (compiled = m),
    () => (compiled = null),
  );
  return compiling;
}

/**
 * The compiled module, to hand to worker threads (`adoptKernelModule` there), which then skip
 * decoding and validating it. (V8 also shares compiled code between isolates for identical module
 * bytes, so a worker's kernels are fast from the start either way: measured, 1M normals in a new
 * worker took 3.5–3.7 ms with the adopted module and 3.6–4.1 ms with its own.) Undefined when the
 * kernels are not WebAssembly here.
 */
export function kernelModule(): WebAssembly.Module | undefined {
  return moduleNow() ?? undefined;
}

/** Use a module compiled by another thread (see kernelModule); ignored if one is already in use. */
export function adoptKernelModule(m: unknown): void {
  if (compiled === undefined && m instanceof WebAssembly.Module) compiled = m;
}

/** The backend the kernels use now. */
export function kernelBackend(): KernelBackend {
  if (preference === 'typescript') return 'typescript';
  if (moduleNow()) return 'wasm-simd';
  if (preference === 'wasm-simd') {
    throw new Error(compiling && compiled === undefined ? 'kernels: the WebAssembly module is still compiling (await kernelsReady())' : 'kernels: WebAssembly SIMD is not available here (set ASGD_SDDE_KERNELS=auto or typescript)');
  }
  return 'typescript';
}

/**
 * Resolves when the fastest available backend is ready (at once in Node and in workers; after an
 * asynchronous compile in a browser's main thread). Calling kernels before is fine: they run on
 * the TypeScript fallback, with the same results.
 */
export async function kernelsReady(): Promise<KernelBackend> {
  if (preference !== 'typescript' && moduleNow() === null && compiled === undefined) await startCompiling();
  return kernelBackend();
}

/** Force a backend ('auto' restores the default choice). */
export function setKernelBackend(p: KernelPreference): void {
  if (p !== 'auto' && p !== 'wasm-simd' && p !== 'typescript') throw new RangeError(`kernel backend: must be auto, wasm-simd or typescript, got '${p}'`);
  preference = p;
}

const busy = new Set<KernelInstance>();

/**
 * Borrow the shared workspace of the current backend until `returnKernels`. Its memory does not
 * grow behind the borrower's back: a borrower may lend typed views of it to callbacks (a drift
 * function), and a nested borrow from such a callback gets an instance of its own instead.
 */
export function borrowKernels(): KernelInstance {
  const b = kernelBackend();
  let inst = (shared[b] ??= new KernelInstance(b === 'wasm-simd' ? moduleNow() : null));
  if (busy.has(inst)) inst = new KernelInstance(b === 'wasm-simd' ? moduleNow() : null);
  busy.add(inst);
  inst.borrowedAt = inst.mark();
  return inst;
}

/** Give back a borrowed instance (frees everything allocated since the borrow). */
export function returnKernels(inst: KernelInstance): void {
  inst.release(inst.borrowedAt);
  busy.delete(inst);
}

/** A new instance of the current backend with memory of its own (for data kept between calls). */
export function newKernelInstance(): KernelInstance {
  const b = kernelBackend();
  return new KernelInstance(b === 'wasm-simd' ? moduleNow() : null);
}
