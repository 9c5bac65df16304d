/**
 * The committed WebAssembly module (src/kernels/wasm-module.ts) is exactly what
 * scripts/build-kernels.mjs builds from src/kernels/assembly/ with the pinned AssemblyScript
 * compiler: CI verifies the module from source on every run.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { wasmBytes } from '../../src/kernels/index.ts';
import { WASM_SHA256 } from '../../src/kernels/wasm-module.ts';

it('src/kernels/wasm-module.ts matches a rebuild from src/kernels/assembly/', () => {
  const script = fileURLToPath(new URL('../../scripts/build-kernels.mjs', import.meta.url));
  const out = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
  expect(out).toMatch(/matches the rebuild/);
  expect(createHash('sha256').update(wasmBytes()).digest('hex')).toBe(WASM_SHA256);
});
