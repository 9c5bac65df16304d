/**
 * Memory layout shared by the WebAssembly kernels (src/kernels/assembly/) and their TypeScript
 * fallback (src/kernels/fallback.ts): byte offsets inside one random stream's block, and the
 * numeric codes the kernels take as arguments.
 */

/** MT19937 state words. */
export const MT_N = 624;
/** Byte offsets inside a stream block: state, tempered outputs, then the scalar fields. */
export const RNG_STATE = 0;
export const RNG_OUT = 2496;
export const RNG_INDEX = 4992;
export const RNG_POOL = 4996;
export const RNG_POOL_LEFT = 5000;
/** Bytes of one stream block (a multiple of 16). */
export const RNG_BYTES = 5008;

/** Bytes of the ziggurat tables kn, wn, fn (128 doubles each). */
export const ZIGGURAT_BYTES = 3 * 128 * 8;

/** em1 flags: which linear-drift terms are present, and whether there is noise. */
export const EM_HAS_A = 1;
export const EM_HAS_B = 2;
export const EM_HAS_C = 4;
export const EM_HAS_NOISE = 8;

/** emD noise kinds. */
export const NOISE_CODE = { none: 0, scalar: 1, diagonal: 2, full: 3 } as const;
/** emD noise kind: full noise whose G·ΔB per step is already computed (matvec4Many), row k of the `g` argument for step k. */
export const NOISE_GIVEN = 4;

/** Lanes (paths) that em1 steps at once at most. */
export const MAX_LANES = 8;

/** The first byte the host allocates (0 stays free: a pointer 0 means "absent" to the kernels). */
export const HEAP_START = 1024;
