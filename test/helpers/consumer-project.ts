/**
 * The package as a user gets it: `npm pack` of the repository, then an offline install of the
 * tarball into a new project outside the repository. Shared by the consumer test
 * (test/package/consumer.test.ts) and the documentation's example test (test/docs/examples.test.ts).
 *
 * Offline: the consumer's package-lock.json lists the tarball and the closure of its run-time
 * dependencies with the versions, URLs and integrity hashes of the repository's own lockfile, so
 * `npm ci --offline` takes every package from the npm cache that the repository's `npm ci` filled
 * (npm install would need registry metadata, which `npm ci` does not cache).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory (with a trailing slash). */
export const repo = fileURLToPath(new URL('../../', import.meta.url));

/** The fields of the repository's package.json that a consumer project needs. */
export const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string>; bin: Record<string, string>; engines: Record<string, string> };

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [k: string]: unknown;
}

function repoLockPackages(): Record<string, LockEntry> {
  return (JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
}

/** The consumer's own dependencies: the tarball, plus `extra` packages at the repository lockfile's versions. */
function consumerDependencies(tarballName: string, extra: string[]): Record<string, string> {
  const repoLock = repoLockPackages();
  const deps: Record<string, string> = { [pkg.name]: `file:${tarballName}` };
  for (const name of extra) {
    const version = repoLock[`node_modules/${name}`]?.version;
    if (!version) throw new Error(`the repository's lockfile has no hoisted entry for ${name}`);
    deps[name] = version;
  }
  return deps;
}

/**
 * A consumer lockfile: the tarball plus the closure of its dependencies (and of the `extra`
 * packages, e.g. an optional peer dependency a user installs), copied from the repository's lockfile.
 */
export function consumerLock(tarball: string, extra: string[] = []): object {
  const repoLock = repoLockPackages();
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const file = `file:${tarball.split('/').pop()}`;
  const packages: Record<string, LockEntry> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: consumerDependencies(tarball.split('/').pop()!, extra) },
    [`node_modules/${pkg.name}`]: { version: pkg.version, resolved: file, integrity, license: 'MIT', dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
  };
  const stack = [...Object.keys(pkg.dependencies), ...extra];
  while (stack.length) {
    const name = stack.pop()!;
    if (packages[`node_modules/${name}`]) continue;
    const entry = repoLock[`node_modules/${name}`];
    if (!entry) throw new Error(`the repository's lockfile has no hoisted entry for ${name}`);
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...copy } = entry;
    // the registry's tarball address (the repository's lockfile may omit it): with it and the
    // integrity hash, npm takes the tarball from its content-addressed cache without metadata
    copy.resolved ??= `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
    packages[`node_modules/${name}`] = copy;
    stack.push(...Object.keys({ ...entry.dependencies, ...entry.optionalDependencies }));
  }
  return { name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

/** npm's environment without its network chatter (update notices, funding, audit). */
export const quietNpmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

/** Runs a command; throws with its output when it exits non-zero. */
export function runWithStderr(cmd: string, args: string[], cwd: string, timeout = 120_000): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: quietNpmEnv });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** Runs a command and returns its stdout; throws with its output when it exits non-zero. */
export function run(cmd: string, args: string[], cwd: string, timeout = 120_000): string {
  return runWithStderr(cmd, args, cwd, timeout).stdout;
}

/** What `npm pack --json` reports about the tarball. */
export interface PackedTarball {
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

/** A temporary consumer project with the packed package installed. */
export interface ConsumerProject {
  /** The temporary directory holding the tarball and the project (remove it when done). */
  work: string;
  /** The consumer project: package.json (`"type": "module"`), node_modules with the package. */
  project: string;
  /** The packed tarball. */
  tarball: string;
  packed: PackedTarball;
}

/**
 * Packs the repository (npm pack runs prepack: the build) and installs the tarball offline into a
 * new ES-module project under the system's temporary directory, named `prefix…`; `extra` names
 * packages of the repository's lockfile the project installs too (e.g. the optional peer `mnist`).
 */
export function installPackedPackage(prefix: string, extra: string[] = []): ConsumerProject {
  const work = mkdtempSync(join(tmpdir(), prefix));
  // --json lists what the tarball holds
  const packed = (JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], repo)) as (PackedTarball & { filename: string })[])[0]!;
  const tarball = join(work, `${pkg.name}-${pkg.version}.tgz`);
  const project = join(work, 'project');
  execFileSync('mkdir', ['-p', project]);
  copyFileSync(tarball, join(project, `${pkg.name}-${pkg.version}.tgz`));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module', dependencies: consumerDependencies(`${pkg.name}-${pkg.version}.tgz`, extra) }, null, 2));
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(consumerLock(join(project, `${pkg.name}-${pkg.version}.tgz`), extra), null, 2));
  run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], project);
  return { work, project, tarball, packed };
}
