/**
 * Running child processes from the documentation tests (test/docs/examples.test.ts,
 * test/docs/api-examples.test.ts): a process to its end with its output, and a few tasks at a time.
 */
import { spawn } from 'node:child_process';
import { quietNpmEnv } from './consumer-project.ts';

/** What a finished process left: exit code, stdout, stderr and its wall time in seconds. */
export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs a process to its end (never throws; offline npm, no colours): exit code, stdout and stderr. */
export function exec(cmd: string, args: string[], cwd: string, timeoutMs = 90_000): Promise<Ran> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...quietNpmEnv, npm_config_offline: 'true', NO_COLOR: '1' }, timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: seconds() }));
    child.on('error', (e) => resolve({ code: -1, stdout, stderr: stderr + String(e), seconds: seconds() }));
  });
}

/** At most `limit` tasks at a time, results in order. */
export async function pooled<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}

/** The strict compiler options every documentation program is checked with (as a user's strictest project). */
export const STRICT_TS_OPTIONS = { target: 'ES2022', lib: ['ES2022'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, skipLibCheck: true, outDir: 'out' };
