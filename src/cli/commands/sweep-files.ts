/** What `sweep` and `merge` share: the sweep manifest (sweep.json) and the sweep figure. */
import { join } from 'node:path';
import { ConfigError } from '../../core/errors.ts';
import { checkJsonTree } from '../../core/safe-keys.ts';
import { readInputText } from '../../io/input-file.ts';
import { type PlotlyMode, writeFigureHtml } from '../../plot/html.ts';
import { type Io, writePng } from '../options.ts';

/**
 * A sweep config without a seed runs with the CLI's documented default seed 1 (one invocation is
 * one experiment; its shards and its merge must agree on the seed), where the library would draw one.
 */
export function withCliSeed(raw: unknown): unknown {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && (raw as { seed?: unknown }).seed === undefined ? { ...raw, seed: 1 } : raw;
}

/** The files of a sweep (or a merge) result. */
export const isSweepFile = (f: string) => /^sweep(-timings)?\.(json|csv|html|png)$/.test(f);

/** A sweep's sweep.json, or a ConfigError naming `field` if it is not one (empty, null, truncated, foreign). */
export function readSweepManifest(file: string, field: string): { settings: unknown; shard?: unknown } {
  let m: unknown;
  try {
    m = JSON.parse(readInputText(file, field));
    checkJsonTree(m, field);
  } catch (e) {
    const why = e instanceof ConfigError ? e.reason : (e as Error).message;
    throw new ConfigError(field, `${file} is not a sweep manifest (${why}); remove it or choose another directory`);
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m) || !('settings' in m) || (m as { tool?: unknown }).tool !== 'asgd-sdde') {
    throw new ConfigError(field, `${file} is not a sweep manifest of asgd-sdde; remove it or choose another directory`);
  }
  return m as { settings: unknown; shard?: unknown };
}

/** sweep.html (and sweep.png) in `outDir` from the rows written so far. */
export async function writeSweepFigure(outDir: string, keys: string[], metric: string, rows: Map<number, string>, noPng: boolean, plotly: PlotlyMode, io: Io, caption: string): Promise<void> {
  const { parseRow } = await import('../../sweep/sweep-table.ts');
  const { sweepFigure } = await import('../../sweep/figure.ts');
  const parsed = [...rows.values()].map((line) => parseRow(line, keys)).sort((a, b) => a.point - b.point);
  const html = join(outDir, 'sweep.html');
  writeFigureHtml(html, sweepFigure(keys, metric, parsed, caption), plotly);
  await writePng(html, join(outDir, 'sweep.png'), io, noPng);
}
