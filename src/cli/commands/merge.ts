/** `asgd-sdde merge OUT_DIR SHARD_DIR…`: join the shards of a sweep (see the help text). */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { canonicalJson } from '../../core/canonical-json.ts';
import { ConfigError } from '../../core/errors.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { takeDirLock } from '../../io/stage.ts';
import { checkOutDir, Stage } from '../../io/output-dir.ts';
import { VERSION } from '../../version.ts';
import { EXIT, type Io, noteTo, plotlyMode, UsageError } from '../options.ts';
import { isSweepFile, readSweepManifest, withCliSeed, writeSweepFigure } from './sweep-files.ts';
import { parseCommandArgs } from '../args.ts';

/** `merge`: exit 0, or throws a ConfigError / UsageError (exit 2). */
export async function cmdMerge(args: string[], io: Io): Promise<number> {
  const { positionals, values } = parseCommandArgs('merge', args, { 'no-png': { type: 'boolean' }, 'copy-plotly': { type: 'boolean' } });
  if (positionals.length < 2) throw new UsageError('merge needs OUT_DIR and at least one SHARD_DIR');
  for (const p of positionals) if (p.trim() === '') throw new ConfigError('merge', 'OUT_DIR and SHARD_DIR must name directories, got an empty string');
  const [out, ...shards] = positionals.map((p) => resolve(p));
  const sw = await import('../../sweep/sweep.ts');
  const table = await import('../../sweep/sweep-table.ts');
  const { sweepCaption } = await import('../../sweep/run.ts');
  let settings: unknown;
  let prepared: ReturnType<typeof sw.prepareSweep> | undefined;
  let header = '';
  const rows = new Map<number, string>();
  const shardCounts = new Set<number>(); // the n of the shards' i/n
  for (const dir of shards) {
    const mf = join(dir, 'sweep.json');
    if (!existsSync(mf)) throw new ConfigError('SHARD_DIR', `${dir} has no sweep.json`);
    const m = readSweepManifest(mf, 'SHARD_DIR');
    if (settings === undefined) {
      settings = m.settings;
      prepared = sw.prepareSweep(withCliSeed(settings));
      header = table.csvHeader(prepared.keys, prepared.spec.metric);
    } else if (canonicalJson(settings) !== canonicalJson(m.settings)) throw new ConfigError('SHARD_DIR', `${dir} is a shard of a different sweep`);
    const shard = typeof m.shard === 'string' ? sw.parseShard(m.shard) : { i: 0, n: 1 };
    shardCounts.add(shard.n);
    const read = table.readRows(dir, header, { points: prepared!.points, shard, paths: prepared!.spec.paths, key: table.rowKey(prepared!) });
    // a shard's table is merged only whole: a bad row is refused, not silently dropped
    if (read.dropped.length) throw new ConfigError('SHARD_DIR', `${join(dir, 'sweep.csv')} has a row that ${read.dropped[0].reason}: ${JSON.stringify(read.dropped[0].line.slice(0, 120))}; rerun that shard (it recomputes bad rows) and merge again`);
    for (const [i, line] of read.rows) {
      if (rows.has(i) && rows.get(i) !== line) throw new ConfigError('SHARD_DIR', `point ${i} differs between shards`);
      rows.set(i, line);
    }
  }
  checkOutDir(out, 'OUT_DIR');
  if (existsSync(join(out, 'sweep.json'))) {
    const old = readSweepManifest(join(out, 'sweep.json'), 'OUT_DIR');
    if (canonicalJson(old.settings) !== canonicalJson(settings)) throw new ConfigError('OUT_DIR', `${out} holds a different sweep; choose another directory`);
  }
  const p = prepared!;
  // a sweep still writing into OUT_DIR holds its lock: refused by name, as a second sweep would be
  // (OUT_DIR is created for the lock if it does not exist yet: a sweep starting meanwhile is refused, not raced)
  const lock = takeDirLock(out, '.sweep.lock', 'OUT_DIR', 'merge');
  try {
    // the merged table replaces the one of the same sweep: published together, sweep.json last
    const stage = new Stage({ dir: out, field: 'OUT_DIR', force: true, ours: isSweepFile, marker: 'sweep.json', verify: false, command: 'merge', note: noteTo(io) });
    await stage.run(async (dir) => {
      table.writeRows(dir, header, rows);
      await writeSweepFigure(dir, p.keys, p.spec.metric, rows, values['no-png'] === true, plotlyMode(values), io, `${sweepCaption(p)}\n\nMerged from ${shards.length} shards.`);
      writeFileAtomic(join(dir, 'sweep.json'), JSON.stringify({ tool: 'asgd-sdde', version: VERSION, command: 'merge', settings, seed: p.seed, points: p.points.length, merged: shards, shard: '0/1', files: ['sweep.csv', 'sweep.html', ...(existsSync(join(dir, 'sweep.png')) ? ['sweep.png'] : [])] }, null, 2) + '\n');
    });
  } finally {
    lock.release();
  }
  const missing = p.points.length - rows.size;
  io.out(`merged ${rows.size}/${p.points.length} points into ${join(out, 'sweep.csv')}${missing ? ` (${missing} missing)` : ''}\n`);
  if (missing && shardCounts.size === 1) {
    // the shards to rerun (a job array: sbatch --array=I,J SCRIPT); each resumes from its finished rows
    const n = [...shardCounts][0];
    const { missingShards } = await import('../../sweep/slurm.ts');
    io.out(`missing shards (of ${n}): ${missingShards(p.points.length, new Set(rows.keys()), n).join(',')}\n`);
  }
  return EXIT.ok;
}
