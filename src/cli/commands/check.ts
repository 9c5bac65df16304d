/** `asgd-sdde check [NAME…]`: the theory checks and their report; `check --claim FILE`: a claim on the workbench (see the help text). */
import { join } from 'node:path';
import { ConfigError } from '../../core/errors.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { outDirOption, Stage } from '../../io/output-dir.ts';
import { plotlyScriptTags, writeFigureHtml } from '../../plot/html.ts';
import { VERSION } from '../../version.ts';
import { drawProgressBar, EXIT, type Io, noteTo, parseSeed, plotlyMode, positiveIntOption, writePng } from '../options.ts';
import { parseCommandArgs } from '../args.ts';

/** The files of the report: an existing one is only overwritten with --force. */
const isCheckFile = (f: string) => /^theory-(report|timings)\.(json|html)$/.test(f) || /^(check|claim)-[a-z0-9-]+\.(html|png)$/.test(f);

/** `check` exits 1 under --strict when any verdict is "violated", else 0. */
export function checkExitCode(results: { rows: { verdict: { kind: string } }[] }[], strict: boolean): number {
  const violated = results.some((r) => r.rows.some((row) => row.verdict.kind === 'violated'));
  return strict && violated ? EXIT.violated : EXIT.ok;
}

/** Progress of the checks on stderr: a bar on a terminal, plain lines otherwise. */
function progressReporter(io: Io) {
  let stage = '';
  let last = 0;
  return {
    stage(message: string) {
      if (io.isTTY && stage) io.err('\n');
      stage = message;
      if (!io.isTTY) io.err(`… ${message}\n`);
    },
    blocks(done: number, total: number) {
      if (!io.isTTY) return;
      const now = Date.now();
      if (done < total && now - last < 100) return;
      last = now;
      drawProgressBar(io, done / total, `${String(done).padStart(4)}/${total} ${stage.slice(0, 70)}`);
    },
    end() {
      if (io.isTTY && stage) io.err('\n');
    },
  };
}

/** `check`: exit 0, or 1 under --strict when a verdict is "violated" (checkExitCode). */
export async function cmdCheck(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('check', args, { quick: { type: 'boolean' }, json: { type: 'boolean' }, out: { type: 'string' }, seed: { type: 'string' }, threads: { type: 'string' }, strict: { type: 'boolean' }, 'no-png': { type: 'boolean' }, 'copy-plotly': { type: 'boolean' }, force: { type: 'boolean' }, claim: { type: 'string' } });
  const { CHECKS, CHECK_NAMES } = await import('../../theory/index.ts');
  const { formatTable, reportHtml } = await import('../../theory/report.ts');
  for (const name of positionals) if (!CHECK_NAMES.includes(name)) throw new ConfigError('NAME', `unknown check ${JSON.stringify(name)}; choose from ${CHECK_NAMES.join(', ')}`);
  const threads = values.threads === undefined ? undefined : positiveIntOption(values.threads, '--threads', 1, 256);
  let selected = positionals.length ? CHECKS.filter((c) => positionals.includes(c.name)) : CHECKS;
  const claimSeed = parseSeed(values.seed);
  if (values.claim !== undefined) {
    // the workbench: the user's claim instead of the built-in checks, validated before any work
    if (positionals.length) throw new ConfigError('--claim', `checks a claim instead of the built-in checks; drop ${positionals.join(', ')}`);
    if (values.quick) throw new ConfigError('--quick', 'does not apply to --claim: the claim states its own experiment');
    const { loadClaimFile } = await import('./claim-file.ts');
    const { prepareClaim, runClaim } = await import('../../theory/workbench/index.ts');
    const claim = await loadClaimFile(values.claim);
    prepareClaim(claim);
    selected = [{ name: 'claim', title: `Claim from ${values.claim}`, run: (o) => runClaim(claim, { ...(claimSeed !== undefined ? { seed: claimSeed } : {}), ...(o.threads ? { threads: o.threads } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) }) }];
  }
  const seed = claimSeed ?? 1;
  const outDir = outDirOption(values.out, 'figures');
  const stage = new Stage({ dir: outDir, force: values.force === true, ours: isCheckFile, marker: 'theory-report.json', volatile: ['theory-timings.json'], command: 'check', note: noteTo(io) });
  const quick = values.quick === true;
  const progress = progressReporter(io);
  const started = performance.now();
  const { results, report, seconds } = await stage.run(async (dir) => {
    const results = [];
    for (const c of selected) {
      progress.stage(`${c.name}: ${c.title}`);
      results.push(await c.run({ quick, seed, ...(threads ? { threads } : {}), onProgress: (m) => progress.stage(m), onBlocks: (d, t) => progress.blocks(d, t) }));
    }
    progress.end();
    const seconds = (performance.now() - started) / 1000;
    const files: string[] = [];
    for (const r of results) {
      for (const f of r.figures) {
        const html = join(dir, `${f.file}.html`);
        writeFigureHtml(html, f.figure, plotlyMode(values));
        files.push(`${f.file}.html`);
        const png = await writePng(html, join(dir, `${f.file}.png`), io, values['no-png'] === true);
        if (png) files.push(`${f.file}.png`);
      }
    }
    // the report holds results only, so identical runs give identical bytes; wall-clock times go to theory-timings.json
    const meta = { version: VERSION, seed, mode: values.claim !== undefined ? 'claim' : quick ? 'quick' : 'full', checks: results.map((r) => r.name).join(', ') };
    writeFileAtomic(join(dir, 'theory-report.html'), reportHtml(results, meta, plotlyScriptTags(dir, plotlyMode(values))));
    writeFileAtomic(join(dir, 'theory-timings.json'), JSON.stringify({ tool: 'asgd-sdde', version: VERSION, command: 'check', seed, quick, seconds, checks: results.map((r) => ({ name: r.name, seconds: r.seconds })) }, null, 2) + '\n');
    const report = {
      tool: 'asgd-sdde',
      version: VERSION,
      command: 'check',
      seed,
      quick,
      checks: results.map((r) => ({ name: r.name, title: r.title, rows: r.rows, notes: r.notes, data: r.data })),
      files: ['theory-report.html', 'theory-report.json', 'theory-timings.json', ...files],
    };
    writeFileAtomic(join(dir, 'theory-report.json'), JSON.stringify(report, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
    return { results, report, seconds };
  });
  if (values.json) io.out(JSON.stringify({ ...report, seconds, checks: report.checks.map(({ data: _d, ...rest }, i) => ({ ...rest, seconds: results[i].seconds })) }) + '\n');
  else io.out(formatTable(results) + `Report: ${join(outDir, 'theory-report.html')} (${seconds.toFixed(1)} s, ${values.claim !== undefined ? (claimSeed !== undefined ? `seed ${claimSeed}` : "the claim's seed") : `seed ${seed}, ${quick ? 'quick' : 'full'} ensembles`})\n`);
  return checkExitCode(results, values.strict === true);
}
