// AssemblyScript entry of the WebAssembly kernels (built by scripts/build-kernels.mjs into
// src/kernels/wasm-module.ts). Every export has a TypeScript twin in src/kernels/fallback.ts that
// gives the same bits; src/kernels/index.ts chooses between them.
export { exp, expm1, expPairs, log, log1p, tanh } from './libm';
export { mtRefill, normals, setZigguratTables, words } from './rng';
export { em1, em1Fused, emD, emGivenStep } from './em';
export { matvec4, matvec4Many } from './matvec';
export { asgdRun, logisticGradSum, lsqGradSum } from './asgd';
export { logisticFullGrad, logisticFullGradMany, logisticValue, lsqValue, lsqValueT } from './full-gradient';
export { axisPairAtoms, axisPairRun } from './pair';
export { normalQuantile } from './normal-quantile';
export { mlpGradMeanAdd, mlpValue } from './mlp';
export { cnnForward, cnnGradient, cnnValue } from './cnn';
