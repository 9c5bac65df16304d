/**
 * Tests that run the `asgd-sdde` command or serve the explorer use the built package (dist/), as a
 * user does. Rebuild it when any source is newer than the build (a no-op otherwise), so a direct
 * `npx vitest run …` never tests a stale dist/.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url))], { stdio: 'inherit' });
}
