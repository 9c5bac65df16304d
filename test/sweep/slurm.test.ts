/**
 * Sweeps as a real Slurm job array: a single-node cluster (slurmctld + slurmd on localhost, munge)
 * started by scripts/slurm/start-cluster.sh runs the script `sweep --slurm-script 3` prints; the
 * merged shards must equal the one-process sweep byte for byte, and a cancelled task and a failed
 * task are made good by resubmitting only their shards (`sbatch --array=1,2`), the finished shard
 * untouched and the cancelled one resuming from its finished row.
 *
 * Also: a cancelled task's lock names its Slurm job, and on another node (simulated by rewriting the
 * lock's host) it is taken over only once squeue no longer lists that job.
 *
 * Needs Debian's slurm-wlm and munge, and root or password-less sudo (slurmd starts jobs as their
 * user). Where the daemons cannot start the test is skipped with the reason in its title — except
 * under CI=true (.ci/run installs the packages), where that is a failure.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const STATE = process.env.ASGD_SDDE_SLURM_DIR ?? join(tmpdir(), 'asgd-sdde-slurm');
const env = { ...process.env, SLURM_CONF: join(STATE, 'slurm.conf') };

// the daemons need root: a user who may sudo without a password (a CI runner) starts them through sudo
const asRoot = process.getuid?.() === 0 || spawnSync('sudo', ['-n', 'true']).status !== 0 ? [] : ['sudo', '-n'];
const script = (name: string) => [...asRoot, 'bash', join(ROOT, 'scripts/slurm', name), STATE];
const [cmd0, ...args0] = script('start-cluster.sh');
const start = spawnSync(cmd0, args0, { encoding: 'utf8', timeout: 60_000 });
const ready = start.status === 0;
const why = ready ? '' : (start.stderr || start.stdout || String(start.error ?? 'no output')).trim().split('\n').slice(0, 3).join('; ');
// a cluster that was running before the test (a developer's) is left running
const startedHere = ready && !start.stdout.includes('already running');

afterAll(() => {
  const [cmd, ...args] = script('stop-cluster.sh');
  if (startedHere) spawnSync(cmd, args, { encoding: 'utf8' });
});

function slurm(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, cwd, timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Waits until the job has left the queue (every task finished, failed or was cancelled). */
async function waitForJob(job: string, timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (slurm('squeue', ['-h', '-j', job, '-o', '%i']).trim() !== '') {
    if (Date.now() > until) throw new Error(`job ${job} still queued after ${timeoutMs / 1000} s:\n${slurm('squeue', ['-j', job])}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Each array task's final state and exit code, from slurmctld's memory (MinJobAge = 10 min; no accounting database). */
function taskStates(job: string): Map<number, { state: string; exit: string }> {
  const states = new Map<number, { state: string; exit: string }>();
  for (const line of slurm('scontrol', ['show', 'job', '-o', job]).trim().split('\n')) {
    const task = /ArrayTaskId=(\d+)/.exec(line);
    if (task) states.set(Number(task[1]), { state: /JobState=(\S+)/.exec(line)![1], exit: /ExitCode=(\S+)/.exec(line)![1] });
  }
  return states;
}

/** The job id Slurm gave array task `task` of `job` (its SLURM_JOB_ID). */
function taskJobId(job: string, task: number): string {
  const line = slurm('scontrol', ['show', 'job', '-o', job]).split('\n').find((l) => l.includes(`ArrayTaskId=${task} `));
  return /JobId=(\d+)/.exec(line ?? '')![1];
}

const rowsOf = (csv: string) => readFileSync(csv, 'utf8').trim().split('\n').length - 1;

/** An Io that keeps stdout. */
const capture = () => {
  const io = { text: '', out: (s: string) => void (io.text += s), err: () => {} };
  return io;
};

// 9 points, 3 shards of 3 points; a point takes ~0.5 s on one thread, so a task runs a few seconds
const sweep = {
  base: { kind: 'pair', asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.005, iterations: 400, batchSize: 1, delay: { kind: 'uniform', maxLag: 0 }, saveEvery: 400 }, bridge: { coupling: 'quantile', substeps: 4 } },
  grid: { 'asgd.delay.maxLag': [0, 2, 4], 'asgd.batchSize': [1, 2, 4] },
  metric: 'approximation-error',
  paths: 1000,
  seed: 3,
};

if (!ready && process.env.CI === 'true') {
  it('the single-node Slurm cluster starts (required under CI=true)', () => {
    throw new Error(`scripts/slurm/start-cluster.sh failed: ${why}`);
  });
} else if (!ready) {
  console.warn(`test/sweep/slurm.test.ts: the Slurm job-array test is skipped: the daemons cannot start here (${why})`);
  // Why a skip and not a failure: outside CI (a developer without root or without slurm-wlm, e.g.
  // after `setup.sh --no-slurm`) the daemons cannot be started, and the test cannot run at all; the
  // skip names the reason. Under CI=true the branch above fails instead, so CI never skips this.
  it.skip(`Slurm job arrays — skipped: the Slurm daemons cannot start here (${why})`, () => {});
} else {
  describe('a sweep as a Slurm job array', () => {
    it('runs under sbatch --array, merges to the one-process table byte for byte, and reruns only the missing shards', { timeout: 240_000 }, async () => {
      const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-slurm-test-'));
      const config = join(d, 'sweep.json');
      writeFileSync(config, JSON.stringify(sweep));
      const out = join(d, 'out');

      // the batch script, as a user gets it
      const script = capture();
      expect(await main(['sweep', config, '--slurm-script', '3', '--out', out], script)).toBe(EXIT.ok);
      expect(script.text).toContain('#SBATCH --array=0-2');
      writeFileSync(join(d, 'sweep.sbatch'), script.text);

      // the reference: one process, all points
      expect(await main(['sweep', config, '--out', join(d, 'one-process'), '--no-png'], capture())).toBe(EXIT.ok);
      const reference = readFileSync(join(d, 'one-process', 'sweep.csv'));

      // task 2 fails: its directory holds a table without the manifest that says whose it is (refused, exit 2)
      mkdirSync(join(out, 'shard-2'), { recursive: true });
      writeFileSync(join(out, 'shard-2', 'sweep.csv'), 'not,a,sweep\n');
      const first = slurm('sbatch', ['--parsable', join(d, 'sweep.sbatch')], d).trim();
      // task 1 is cancelled while it runs, once it has written its first row (two points, ~1 s, remain)
      const shard1 = join(out, 'shard-1', 'sweep.csv');
      const until = Date.now() + 40_000;
      while (!(existsSync(shard1) && rowsOf(shard1) >= 1)) {
        if (Date.now() > until) throw new Error(`task 1 wrote no row in 40 s:\n${slurm('squeue', ['-j', first])}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      slurm('scancel', [`${first}_1`]);
      await waitForJob(first);
      const states = taskStates(first);
      expect(states.get(0)).toEqual({ state: 'COMPLETED', exit: '0:0' });
      expect(states.get(1)?.state).toBe('CANCELLED');
      expect(states.get(2)).toEqual({ state: 'FAILED', exit: '2:0' });
      expect(readFileSync(join(d, `slurm-${first}_2.out`), 'utf8')).toContain('holds a sweep.csv without its sweep.json');
      const kept = rowsOf(shard1);
      expect(kept).toBeGreaterThanOrEqual(1);
      expect(kept).toBeLessThan(3);

      // the killed task left its lock, naming its Slurm job; moved to another node (as a rerun
      // usually is), the rerun cannot check the PID but asks Slurm whether that job still runs
      const lockFile = join(out, 'shard-1', '.sweep.lock');
      const lock = JSON.parse(readFileSync(lockFile, 'utf8'));
      expect(lock.slurmJob).toBe(taskJobId(first, 1));
      writeFileSync(lockFile, JSON.stringify({ ...lock, host: 'another-node' }));

      // merge names the shards to rerun
      const partial = capture();
      expect(await main(['merge', out, join(out, 'shard-0'), join(out, 'shard-1'), '--no-png'], partial)).toBe(EXIT.ok);
      expect(partial.text).toContain(`merged ${3 + kept}/9 points`);
      expect(partial.text).toContain('missing shards (of 3): 1,2');

      // rerun only those: the failed task's cause removed, the same script with --array=1,2
      const shard0 = statSync(join(out, 'shard-0', 'sweep.csv')).mtimeMs;
      rmSync(join(out, 'shard-2'), { recursive: true });
      const second = slurm('sbatch', ['--parsable', '--array=1,2', join(d, 'sweep.sbatch')], d).trim();
      await waitForJob(second);
      const rerun = taskStates(second);
      expect([...rerun.keys()].sort()).toEqual([1, 2]);
      for (const t of [1, 2]) expect(rerun.get(t), readFileSync(join(d, `slurm-${second}_${t}.out`), 'utf8')).toEqual({ state: 'COMPLETED', exit: '0:0' });
      expect(readFileSync(join(d, `slurm-${second}_1.out`), 'utf8')).toContain(`resuming: ${kept} finished points kept`);
      expect(statSync(join(out, 'shard-0', 'sweep.csv')).mtimeMs).toBe(shard0); // shard 0 not run again

      const merged = capture();
      expect(await main(['merge', out, join(out, 'shard-0'), join(out, 'shard-1'), join(out, 'shard-2'), '--no-png'], merged)).toBe(EXIT.ok);
      expect(merged.text).toContain('merged 9/9 points');
      expect(merged.text).not.toContain('missing');
      expect(readFileSync(join(out, 'sweep.csv')).equals(reference)).toBe(true);
    });
  });
}

if (ready) {
  describe('the sweep lock of a Slurm job on another node', () => {
    it('is refused while Slurm lists the job and taken over once it has ended', { timeout: 60_000 }, async () => {
      const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-slurm-lock-'));
      const config = join(d, 'sweep.json');
      writeFileSync(config, JSON.stringify({ ...sweep, grid: { 'asgd.delay.maxLag': [0, 2] }, paths: 10 }));
      // a held job stays pending: Slurm lists it
      const held = slurm('sbatch', ['--parsable', '--hold', '--wrap', 'true'], d).trim();
      const out = join(d, 'o');
      mkdirSync(out);
      const lock = (slurmJob: string) => writeFileSync(join(out, '.sweep.lock'), JSON.stringify({ pid: 4242, host: 'another-node', started: new Date().toISOString(), slurmJob }));
      const run = async () => {
        let err = '';
        const code = await main(['sweep', config, '--out', out, '--no-png', '--threads', '1'], { out: () => {}, err: (s) => void (err += s) });
        return { code, err };
      };
      lock(held);
      const prevConf = process.env.SLURM_CONF;
      process.env.SLURM_CONF = env.SLURM_CONF; // squeue, called by the lock, finds this cluster
      try {
        const refused = await run();
        expect(refused.code).toBe(EXIT.badInput);
        expect(refused.err).toContain(`Slurm job ${held}`);
        slurm('scancel', [held]);
        await waitForJob(held);
        expect((await run()).code).toBe(EXIT.ok);
        expect(rowsOf(join(out, 'sweep.csv'))).toBe(2);
      } finally {
        if (prevConf === undefined) delete process.env.SLURM_CONF;
        else process.env.SLURM_CONF = prevConf;
      }
    });
  });
}

describe('sweep --slurm-script (no cluster needed)', () => {
  it('prints a script whose task i runs shard i/N with the paths quoted for the shell, and computes nothing', async () => {
    const d = mkdtempSync(join(tmpdir(), "asgd-sdde-slurm-script-it's "));
    const config = join(d, 'sweep.json');
    writeFileSync(config, JSON.stringify({ ...sweep, paths: 10 }));
    const out = join(d, 'o u"t');
    const io = capture();
    expect(await main(['sweep', config, '--slurm-script', '4', '--out', out, '--threads', '2', '--partition', 'short,long', '--time', '1-12:00'], io)).toBe(EXIT.ok);
    expect(existsSync(out)).toBe(false);
    const lines = io.text.split('\n');
    for (const l of ['#SBATCH --array=0-3', '#SBATCH --cpus-per-task=2', '#SBATCH --partition=short,long', '#SBATCH --time=1-12:00', '#SBATCH --job-name=asgd-sdde-sweep']) expect(lines).toContain(l);
    // run it with a stand-in for node that prints its arguments, one per line, as task 1 would
    const bin = join(d, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'node'), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
    chmodSync(join(bin, 'node'), 0o755);
    writeFileSync(join(d, 'job.sh'), io.text);
    const r = spawnSync('bash', [join(d, 'job.sh')], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, SLURM_ARRAY_TASK_ID: '1' } });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').slice(0, -1)).toEqual([join(ROOT, 'bin/asgd-sdde.js'), 'sweep', config, '--out', join(out, 'shard-1'), '--shard', '1/4', '--threads', '2', '--no-png']);
  });

  it('refuses bad options naming the field, before any work', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-slurm-bad-'));
    const config = join(d, 'sweep.json');
    writeFileSync(config, JSON.stringify({ ...sweep, paths: 10 }));
    const cases: [string[], string][] = [
      [['--slurm-script', '0'], '--slurm-script'],
      [['--slurm-script', '10'], '--slurm-script'], // 9 points
      [['--slurm-script', '3', '--time', '2h'], '--time'],
      [['--slurm-script', '3', '--partition', 'a b'], '--partition'],
      [['--slurm-script', '3', '--shard', '0/3'], '--shard'],
      [['--time', '10'], '--time'],
      [['--partition', 'short'], '--partition'],
    ];
    for (const [args, field] of cases) {
      let err = '';
      expect(await main(['sweep', config, '--out', join(d, 'o'), ...args], { out: () => {}, err: (s) => void (err += s) }), args.join(' ')).toBe(EXIT.badInput);
      expect(err, args.join(' ')).toContain(`${field}:`);
    }
    expect(existsSync(join(d, 'o'))).toBe(false);
  });

  it('merge names the shards whose points are missing', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-missing-'));
    const config = join(d, 'sweep.json');
    writeFileSync(config, JSON.stringify({ ...sweep, paths: 10 }));
    expect(await main(['sweep', config, '--out', join(d, 's1'), '--shard', '1/4', '--no-png'], capture())).toBe(EXIT.ok);
    const io = capture();
    expect(await main(['merge', join(d, 'm'), join(d, 's1'), '--no-png'], io)).toBe(EXIT.ok);
    // shard 1 of 4 holds points 1 and 5 of 0 … 8
    expect(io.text).toContain('merged 2/9 points');
    expect(io.text).toContain('missing shards (of 4): 0,2,3\n');
  });
});
