/**
 * SIGTERM and SIGINT stop a command whatever phase it is in, PNG rendering included, with the old
 * result kept (exit 143 / 130 while Chromium renders) and no stage or lock left. Before: playwright's own signal handlers
 * closed Chromium and the run carried on, publishing the new result without figure.png (deleting
 * the old one) and exiting 0 (4 of 10 SIGTERM trials, 2 of 10 SIGINT). Event-driven: the signal is
 * sent once the command has a Chromium child process (/proc), and — for the
 * computing phase, where the process ends at once by the signal's default action — once the stage
 * directory exists; never after a fixed delay.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/main.ts';
import { chromiumPath } from '../../src/plot/png.ts';
import { BIN, runCli } from '../helpers/cli-process.ts';

const config = (seed: number, iterations: number) => ({ kind: 'asgd', seed, asgd: { objective: { kind: 'least-squares', n: 50, d: 3, seed: 1 }, x0: 0, eta: 0.01, iterations, batchSize: 4, saveEvery: 1 } });

/** The files of dir with their contents (the PNG by presence). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)) out[f] = f.endsWith('.png') ? 'png' : readFileSync(join(dir, f), 'utf8');
  return out;
}

/** Whether process `pid` has a Chromium child running (Linux /proc): the PNG is being rendered. */
function chromiumChild(pid: number): boolean {
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return false;
  }
  return children.some((c) => {
    try {
      return /chrom/i.test(readFileSync(`/proc/${c}/comm`, 'utf8'));
    } catch {
      return false;
    }
  });
}

/** Run `args`, send `signal` once `ready(pid)` holds (checked on every turn of the event loop). */
function runAndSignal(args: string[], ready: (pid: number) => boolean, signal: NodeJS.Signals): Promise<{ code: number | null; signal: string | null; stderr: string; sent: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sent = false;
    let exited = false;
    child.stderr.on('data', (b) => void (stderr += b));
    const poll = () => {
      if (exited) return;
      if (ready(child.pid!)) {
        sent = true;
        child.kill(signal);
      } else setImmediate(poll);
    };
    poll();
    child.on('exit', (code, sig) => {
      exited = true;
      resolve({ code, signal: sig, stderr, sent });
    });
  });
}

const stageOf = (parent: string) => readdirSync(parent).find((f) => f.includes('.stage-'));

describe.skipIf(!existsSync(chromiumPath()))('a signal while the PNG renders stops the run; the old result is kept', () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`${signal} (3 trials)`, async () => {
      const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-signal-'));
      writeFileSync(join(d, 'c1.json'), JSON.stringify(config(1, 2000)));
      writeFileSync(join(d, 'c2.json'), JSON.stringify(config(2, 2000)));
      const out = join(d, 'out');
      const first = await runCli(['run', join(d, 'c1.json'), '--out', out], { timeoutMs: 120_000 });
      expect(first.code, first.stderr).toBe(EXIT.ok);
      expect(existsSync(join(out, 'figure.png')), 'the old result has its PNG').toBe(true);
      const before = snapshot(out);
      for (let trial = 0; trial < 3; trial++) {
        const r = await runAndSignal(['run', join(d, 'c2.json'), '--out', out, '--force'], (pid) => chromiumChild(pid), signal);
        expect(r.sent, 'the signal was sent while rendering').toBe(true);
        expect(r.code, `trial ${trial}: ${r.signal} ${r.stderr}`).toBe(code);
        expect(r.stderr).toContain(`interrupted (${signal})`);
        expect(snapshot(out), `trial ${trial}`).toEqual(before);
        expect(readdirSync(d).sort(), 'no stage, no lock left').toEqual(['c1.json', 'c2.json', 'out']);
      }
    });
  }
});

describe('a signal while computing ends the process at once (Node\'s default action)', () => {
  it('SIGTERM once the stage exists: nothing published; the next run removes the stage and takes over the lock', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-signal-'));
    writeFileSync(join(d, 'c.json'), JSON.stringify(config(1, 400_000)));
    const r = await runAndSignal(['run', join(d, 'c.json'), '--out', join(d, 'out'), '--no-png'], () => stageOf(d) !== undefined, 'SIGTERM');
    expect(r.sent).toBe(true);
    // (a long synchronous computation is not waited for: a JavaScript handler would only run after it)
    expect(r.signal ?? String(r.code), r.stderr).toMatch(/^(SIGTERM|143)$/);
    expect(existsSync(join(d, 'out')), 'nothing published').toBe(false);
    writeFileSync(join(d, 'c.json'), JSON.stringify(config(1, 2000)));
    const next = await runCli(['run', join(d, 'c.json'), '--out', join(d, 'out'), '--no-png'], { timeoutMs: 120_000 });
    expect(next.code, next.stderr).toBe(EXIT.ok);
    expect(readdirSync(d).sort()).toEqual(['c.json', 'out']);
  });
});
