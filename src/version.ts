/**
 * The package version, recorded in every output file. A literal, so that the built package and
 * any bundle of it need no file access; `test/core/version.test.ts` checks it against
 * package.json, and `npm version` rewrites it (scripts/sync-version.mjs).
 */
export const VERSION = '0.1.0';
