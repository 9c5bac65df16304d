/**
 * Hostile config trees (issue 14, items 2 and 5): prototype pollution through sweep keys and
 * config keys, and nesting deep enough to overflow the stack of anything that copies or prints
 * the config. fast-check with fixed seeds over dotted keys (a forbidden segment — `__proto__`,
 * `constructor`, `prototype` — at a random place among valid ones) and over nesting depths.
 * Refused with exit 2 / a ConfigError naming the key or the path, before any work; the process's
 * Object.prototype is never touched.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { prepareExperiment } from '../../src/experiments/config.ts';
import { prepareSweep } from '../../src/sweep/sweep.ts';

const FORBIDDEN = ['__proto__', 'constructor', 'prototype'];
const base = { kind: 'pair', asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.005, iterations: 20, batchSize: 1, delay: { kind: 'uniform', max: 0 }, saveEvery: 20 }, bridge: { coupling: 'quantile', substeps: 4 } };

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

/** Object.prototype holds nothing it did not hold before. */
function prototypeClean(): void {
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(({} as Record<string, unknown>).substeps).toBeUndefined();
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

afterEach(() => {
  for (const k of Object.keys(Object.prototype)) delete (Object.prototype as Record<string, unknown>)[k];
});

describe('prototype pollution through sweep grid keys (item 2)', () => {
  it('the campaign case: {"__proto__.substeps": [1, 16]} → exit 2, nothing written, both rows not 16', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-proto-'));
    writeFileSync(join(d, 's.json'), JSON.stringify({ base, grid: { '__proto__.substeps': [1, 16] }, metric: 'approximation-error', paths: 4, seed: 1 }));
    const r = await cli(['sweep', join(d, 's.json'), '--out', join(d, 'o'), '--no-png']);
    expect(r.code, r.err).toBe(EXIT.badInput);
    expect(r.err).toContain('__proto__');
    expect(existsSync(join(d, 'o'))).toBe(false);
    prototypeClean();
  });
  it('a forbidden segment anywhere in a dotted key is refused naming the key', () => {
    const segment = fc.constantFrom('asgd', 'bridge', 'delay', 'objective', 'eta', 'substeps', 'x', 'max');
    const key = fc.tuple(fc.array(segment, { maxLength: 3 }), fc.constantFrom(...FORBIDDEN), fc.array(segment, { maxLength: 3 })).map(([a, bad, b]) => [...a, bad, ...b].join('.'));
    fc.assert(
      fc.property(key, fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 3 }), (k, values) => {
        let err: unknown;
        try {
          prepareSweep({ seed: 1, base, grid: { [k]: values }, metric: 'approximation-error', paths: 4 });
        } catch (e) {
          err = e;
        }
        expect(err, k).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).field, k).toContain(k);
        prototypeClean();
      }),
      { seed: 14_02, numRuns: 300 },
    );
  });
  it('empty segments are refused too, valid dotted keys still work', () => {
    for (const k of ['asgd..eta', '.asgd.eta', 'asgd.eta.', '']) expect(() => prepareSweep({ seed: 1, base, grid: { [k]: [0.01] }, metric: 'approximation-error', paths: 4 }), JSON.stringify(k)).toThrow(ConfigError);
    const ok = prepareSweep({ seed: 1, base, grid: { 'asgd.eta': [0.01, 0.02], 'bridge.substeps': [1, 2] }, metric: 'approximation-error', paths: 4 });
    expect(ok.points.map((p) => [(p.config as typeof base).asgd.eta, (p.config as typeof base).bridge.substeps])).toEqual([[0.01, 1], [0.01, 2], [0.02, 1], [0.02, 2]]);
  });
});

describe('forbidden keys anywhere in a config file (item 2)', () => {
  /** JSON text of `base` with `"KEY": {"polluted": 1}` added to the object at `path`. */
  const inject = (config: unknown, path: string[], key: string) => {
    const text = JSON.stringify(config, (_k, v) => v);
    const obj = JSON.parse(text);
    let cur = obj;
    for (const p of path) cur = cur[p];
    cur.__MARK__ = { polluted: 1, substeps: 16 };
    return JSON.stringify(obj).replace('"__MARK__"', JSON.stringify(key));
  };
  const objectPaths = [[], ['asgd'], ['asgd', 'objective'], ['asgd', 'delay'], ['bridge'], ['description']];
  it('a __proto__ / constructor / prototype key at any depth is refused naming its path (library and CLI)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...objectPaths), fc.constantFrom(...FORBIDDEN), async (path, key) => {
        const config = path[0] === 'description' ? { ...base, description: {} } : base;
        const text = inject(config, path, key);
        let err: unknown;
        try {
          prepareExperiment(JSON.parse(text));
        } catch (e) {
          err = e;
        }
        expect(err, `${path.join('.')}.${key}`).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).field).toBe([...path, key].join('.'));
        const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-protokey-'));
        writeFileSync(join(d, 'c.json'), text);
        const r = await cli(['run', join(d, 'c.json'), '--out', join(d, 'o'), '--no-png']);
        expect(r.code, r.err).toBe(EXIT.badInput);
        expect(r.err).toContain(`${[...path, key].join('.')}:`);
        expect(readdirSync(d)).toEqual(['c.json']);
        prototypeClean();
      }),
      { seed: 14_21, numRuns: 30 },
    );
  });
});

describe('deep nesting (item 5): refused with exit 2 naming the path, never a stack overflow (exit 70)', () => {
  const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  it('description nested 65 … 200 000 levels deep, in run and sweep configs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.integer({ min: 65, max: 5_000 }), fc.integer({ min: 5_000, max: 200_000 })), fc.constantFrom('run', 'sweep'), async (depth, command) => {
        const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-deep-'));
        const text =
          command === 'run'
            ? JSON.stringify({ ...base, description: '@@' }).replace('"@@"', nested(depth))
            : JSON.stringify({ base: { ...base, description: '@@' }, grid: { 'asgd.eta': [0.01] }, metric: 'approximation-error', paths: 4 }).replace('"@@"', nested(depth));
        writeFileSync(join(d, 'c.json'), text);
        const r = await cli([command, join(d, 'c.json'), '--out', join(d, 'o'), '--no-png']);
        expect(r.code, r.err.slice(0, 300)).toBe(EXIT.badInput);
        expect(r.err).toMatch(/description(\.a)+…?: is nested more than 64 levels deep|description\.a(\.a)*/);
        expect(readdirSync(d)).toEqual(['c.json']);
      }),
      { seed: 14_51, numRuns: 12 },
    );
  });
  it('arrays nested deep inside a real field are refused the same way', () => {
    const deepArray = JSON.parse('['.repeat(10_000) + '1' + ']'.repeat(10_000));
    let err: unknown;
    try {
      prepareExperiment({ ...base, asgd: { ...base.asgd, x0: deepArray } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toMatch(/^asgd\.x0(\[0\])+/);
  });
});
