#!/usr/bin/env node
// The asgd-sdde command: the built JavaScript in dist/, run by plain Node (no TypeScript loader).
let main;
try {
  ({ main } = await import('../dist/cli/main.js'));
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist/cli/main.js')) throw e;
  process.stderr.write('asgd-sdde: dist/ is missing; in a clone of the repository run `npm run build` (or `bash scripts/setup.sh`) first\n');
  process.exit(70);
}
process.exitCode = await main(process.argv.slice(2));
