/**
 * Conditions the user (or the machine) causes are exit 2 with a message, never exit 70 ("internal
 * error"), and leave no staging folder; options are validated before any worker thread starts.
 * Before: a real-thread run on a diverging objective ended in `fitComputeTimeLaw: need at least two
 * times` (exit 70) with a `.D.stage-PID` left behind; `--batch 100000000` (which the help allowed)
 * and an expression objective were refused only after the worker pool had started, again leaving a
 * stage. The built CLI runs in a child process (worker threads), with a time limit.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/main.ts';
import { runCli } from '../helpers/cli-process.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'asgd-sdde-user-fault-'));
const real = (d: string, ...more: string[]) => ['staleness', '--threads-real', '2', '--updates', '40', '--runs', '1', '--out', join(d, 'D'), '--no-png', ...more];

describe('staleness on real threads: refusals are exit 2, with nothing left behind', () => {
  it('a diverging objective (A with entries 1e150): exit 2 naming the objective, no stage', async () => {
    const d = tmp();
    const r = await runCli(real(d, '--objective', '{"kind":"least-squares","A":[[1e150,1],[1,1e150]],"B":[1,1]}'), { timeoutMs: 120_000 });
    expect(r.code, `${r.signal} ${r.stderr.slice(0, 400)}`).toBe(EXIT.badInput);
    expect(r.stderr).toMatch(/error: (staleness\.objective|--objective)/);
    expect(r.stderr).not.toContain('internal error');
    expect(readdirSync(d)).toEqual([]);
  });
  it('--batch 100000000 is refused before any thread starts, with the limit the help states', async () => {
    const d = tmp();
    const r = await runCli(real(d, '--batch', '100000000'), { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(EXIT.badInput);
    expect(r.stderr).toContain('--batch: must be an integer in [1, 1000000]');
    expect(r.stderr).not.toContain('real threads: m =');
    expect(readdirSync(d)).toEqual([]);
    const help = await runCli(['staleness', '--help']);
    expect(help.stdout).toContain('(default: 16, at most 10^6)');
  });
  it('an expression objective is refused before any thread starts', async () => {
    const d = tmp();
    const r = await runCli(real(d, '--objective', '{"kind":"expression","variables":["x"],"expression":"(x-1)^2"}'), { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(EXIT.badInput);
    expect(r.stderr).toMatch(/--objective: .*not supported on real threads/);
    expect(r.stderr).not.toContain('real threads: m =');
    expect(readdirSync(d)).toEqual([]);
  });
});
