/**
 * One writer per output directory. Before: two `run`s (or two `fig1`s) started into one new --out
 * both exited 0, the second silently replacing the first (12 of 12 trials), and `merge` into a
 * directory that did not exist yet took no lock (it raced a starting sweep; both exited 0). Now
 * run, check, fig1, staleness and merge lock the output directory as sweeps do: a second writer
 * is refused with exit 2, naming the holder's command and PID. Event-driven: the second command
 * starts once the first one's lock file exists (the first is still working then), not after a
 * fixed delay.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/main.ts';
import { BIN, runCli } from '../helpers/cli-process.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'asgd-sdde-writers-'));

function start(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b) => void (stderr += b));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
  return { child, done };
}

/** Resolves when `file` exists (checked as the first process runs; fails if it exits first). */
async function appears(file: string, first: { done: Promise<unknown> }): Promise<void> {
  let exited = false;
  void first.done.then(() => (exited = true));
  while (!existsSync(file)) {
    if (exited) throw new Error(`the first process ended before ${file} appeared`);
    await new Promise((r) => setImmediate(r));
  }
}

const slowRun = { kind: 'asgd', seed: 1, asgd: { objective: { kind: 'least-squares', n: 100, d: 8, seed: 1 }, x0: 0, eta: 0.01, iterations: 400_000, batchSize: 4, saveEvery: 1 } };

describe('a second writer into the same --out is refused (exit 2) while the first works', () => {
  it('run, then run (and fig1, staleness) into the same new directory', async () => {
    const d = tmp();
    writeFileSync(join(d, 'slow.json'), JSON.stringify(slowRun));
    const out = join(d, 'D');
    const first = start(['run', join(d, 'slow.json'), '--out', out, '--no-png']);
    await appears(join(d, '.D.lock'), first);
    const holder = JSON.parse(readFileSync(join(d, '.D.lock'), 'utf8'));
    expect(holder.command).toBe('run');
    for (const args of [['run', join(d, 'slow.json')], ['fig1'], ['staleness', '--updates', '50'], ['check', 'moments', '--quick']]) {
      const second = await runCli([...args, '--out', out, '--no-png'], { timeoutMs: 60_000 });
      expect(second.code, `${args[0]}: ${second.stderr}`).toBe(EXIT.badInput);
      expect(second.stderr).toContain(`another run (process ${first.child.pid}) is writing to this directory`);
    }
    const r = await first.done;
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).seed).toBe(1);
    expect(existsSync(join(d, '.D.lock')), 'the lock is released').toBe(false);
  });

  it('merge while a sweep writes OUT_DIR: refused naming the sweep, not "merge"', async () => {
    const d = tmp();
    const spec = { base: { ...slowRun, asgd: { ...slowRun.asgd, iterations: 20_000 } }, grid: { 'asgd.eta': [0.01, 0.02, 0.03, 0.04] }, metric: 'final-loss', paths: 64, seed: 1 };
    writeFileSync(join(d, 's.json'), JSON.stringify(spec));
    const out = join(d, 'OUT');
    const sweep = start(['sweep', join(d, 's.json'), '--out', out, '--no-png', '--threads', '1']);
    try {
      await appears(join(out, 'sweep.csv'), sweep); // written after the lock is taken
      // a shard of the same sweep with no finished point
      mkdirSync(join(d, 'S'));
      copyFileSync(join(out, 'sweep.json'), join(d, 'S', 'sweep.json'));
      writeFileSync(join(d, 'S', 'sweep.csv'), readFileSync(join(out, 'sweep.csv'), 'utf8').split('\n')[0] + '\n');
      const m = await runCli(['merge', out, join(d, 'S'), '--no-png'], { timeoutMs: 60_000 });
      expect(m.code, m.stderr).toBe(EXIT.badInput);
      expect(m.stderr).toContain(`another sweep (process ${sweep.child.pid})`);
      expect(m.stderr).not.toContain('another merge');
    } finally {
      sweep.child.kill('SIGKILL');
      await sweep.done;
    }
  });

  it('a lock naming a live process that is not asgd-sdde: the message says how to clear it', async () => {
    const d = tmp();
    writeFileSync(join(d, 'c.json'), JSON.stringify({ ...slowRun, asgd: { ...slowRun.asgd, iterations: 100 } }));
    // a forged lock naming a live process (this test runner)
    writeFileSync(join(d, '.D.lock'), JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), command: 'run' }));
    const r = await runCli(['run', join(d, 'c.json'), '--out', join(d, 'D'), '--no-png'], { timeoutMs: 60_000 });
    expect(r.code).toBe(EXIT.badInput);
    expect(r.stderr).toContain(`remove it (rm "${join(d, '.D.lock')}")`);
  });
});
