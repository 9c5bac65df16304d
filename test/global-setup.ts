/**
 * Tests that run the `asgd-sdde` command or serve the explorer use the built package (dist/), as a
 * user does. Rebuild it when any source is newer than the build (a no-op otherwise), so a direct
 * `npx vitest run …` never tests a stale dist/.
 *
 * The suite must leave the working tree as it found it: in a git checkout, `git status
 * --porcelain` after the run must equal the status before it (after the build; dist/ is ignored).
 * A test that writes into the repository (a figure, a probe file) fails the run here. CI's
 * reporter file .ci/vitest-report.json is the one expected change (.ci/run removes it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function gitStatus(): string | null {
  const inside = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root, encoding: 'utf8' });
  if (inside.status !== 0 || inside.stdout.trim() !== 'true') return null; // not a git checkout (e.g. an npm tarball)
  const r = spawnSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) return null;
  return r.stdout
    .split('\n')
    .filter((line) => line && !line.endsWith('.ci/vitest-report.json'))
    .sort()
    .join('\n');
}

export default function setup(): () => void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url))], { stdio: 'inherit' });
  const before = gitStatus();
  return () => {
    if (before === null) return;
    const after = gitStatus();
    if (after !== before) {
      const was = new Set(before.split('\n'));
      const changed = after!.split('\n').filter((l) => l && !was.has(l));
      // an error thrown from a global teardown is printed but does not change vitest's exit
      // code, so the failure is also set on the process
      process.exitCode = 1;
      throw new Error(`the test run changed the working tree (git status --porcelain):\n${changed.join('\n') || '(entries removed)'}\nTests must write to os.tmpdir(); figures are refreshed by explicit scripts.`);
    }
  };
}
