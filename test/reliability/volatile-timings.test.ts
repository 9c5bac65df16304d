/**
 * The theory report's marker lists theory-timings.json as volatile (no digest: the report of two
 * identical runs stays the same bytes); --force still replaces it only when it is our own JSON
 * (an object naming the tool), and refuses, touching nothing, when a user's file has taken its name.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, EXIT } from '../../src/cli/main.ts';

const args = (out: string, ...more: string[]) => ['check', 'energy', '--quick', '--no-png', '--threads', '1', '--out', out, ...more];

describe('volatile timings beside the theory report', () => {
  it('a second --force run replaces our timings and writes the same report bytes; a user file under that name is refused', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'asgd-sdde-volatile-')), 'figs');
    let err = '';
    const io = { out: () => {}, err: (s: string) => void (err += s) };
    expect(await main(args(out), io)).toBe(EXIT.ok);
    const first = readFileSync(join(out, 'theory-report.json'), 'utf8');
    const marker = JSON.parse(first);
    expect(marker.volatile).toEqual(['theory-timings.json']);
    expect(Object.keys(marker.sha256)).not.toContain('theory-timings.json');
    expect(await main(args(out, '--force'), io)).toBe(EXIT.ok);
    expect(readFileSync(join(out, 'theory-report.json'), 'utf8')).toBe(first);
    // a file that is not our JSON under the volatile name: refused by name before any work
    writeFileSync(join(out, 'theory-timings.json'), 'my own notes\n');
    err = '';
    expect(await main(args(out, '--force'), io)).toBe(EXIT.badInput);
    expect(err).toContain('theory-timings.json');
    expect(readFileSync(join(out, 'theory-timings.json'), 'utf8')).toBe('my own notes\n');
    expect(readFileSync(join(out, 'theory-report.json'), 'utf8')).toBe(first);
  });
});
