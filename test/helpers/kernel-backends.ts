/** Running a piece of a test under each kernel backend (WebAssembly SIMD, then the TypeScript fallback). */
import { type KernelBackend, setKernelBackend } from '../../src/kernels/index.ts';

/** Both backends, WebAssembly first. */
export const BACKENDS: KernelBackend[] = ['wasm-simd', 'typescript'];

/** f() with the kernels forced to `backend`, then back to 'auto' (also when f throws). */
export function under<T>(backend: KernelBackend, f: () => T): T {
  setKernelBackend(backend);
  try {
    return f();
  } finally {
    setKernelBackend('auto');
  }
}
