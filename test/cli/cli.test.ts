/**
 * The command line, run in process through main(argv, io). Checks exit codes, the files written
 * (and not written on bad input), the --json summary, and reproducibility of output bytes.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main.ts';

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'asgd-sdde-cli-'));
const examples = ['asgd-least-squares', 'sdde-delayed-ou', 'pair-toy-quantile', 'pair-expression-shared', 'sdde-two-delays-milstein', 'asgd-hogwild-dc'];

describe('help and version', () => {
  it('help lists the commands and exit codes; a command\'s help its options', async () => {
    const r = await cli(['help']);
    expect(r.code).toBe(EXIT.ok);
    for (const word of ['run', 'fig1', 'check', 'staleness', 'sweep', 'merge', 'explore', 'examples', 'Exit codes']) expect(r.out).toContain(word);
    const run = await cli(['help', 'run']);
    for (const word of ['run CONFIG.json', '--seed', '--out', '--json']) expect(run.out).toContain(word);
  });
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect((await cli(['--version'])).out.trim()).toBe(pkg.version);
  });
  it('an unknown command or option is bad input (exit 2)', async () => {
    expect((await cli(['frobnicate'])).code).toBe(EXIT.badInput);
    expect((await cli(['toString'])).code).toBe(EXIT.badInput); // the command table is not a prototype lookup
    expect((await cli(['fig1', '--frob'])).code).toBe(EXIT.badInput);
  });
});

describe('run CONFIG', () => {
  for (const name of examples) {
    it(`examples/${name}.json runs and records settings, seed and version`, async () => {
      const out = join(tmp(), 'out');
      const r = await cli(['run', `examples/${name}.json`, '--out', out, '--json', '--no-png']);
      expect(r.code, r.err).toBe(EXIT.ok);
      const summary = JSON.parse(r.out);
      const saved = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
      const config = JSON.parse(readFileSync(`examples/${name}.json`, 'utf8'));
      expect(saved.settings).toEqual(config);
      expect(saved.seed).toBe(config.seed);
      expect(saved.version).toMatch(/^\d+\.\d+\.\d+/);
      // a shipped example must not diverge: every status 'ok', every final value finite
      const statuses = typeof summary.status === 'string' ? [summary.status] : Object.values(summary.status);
      expect(statuses.length).toBeGreaterThan(0);
      for (const s of statuses) expect(s, JSON.stringify(summary.status)).toBe('ok');
      const finals = JSON.stringify(summary.final).match(/-?\d[\d.e+-]*|null/g) ?? [];
      expect(finals.length).toBeGreaterThan(0);
      for (const v of finals) expect(Number.isFinite(Number(v)), `final ${JSON.stringify(summary.final)}`).toBe(true);
      const csv = readFileSync(join(out, 'paths.csv'), 'utf8').trim().split('\n');
      expect(csv.length).toBeGreaterThan(10);
      expect(csv.slice(1).every((l) => l.split(',').every((v) => v !== '' && Number.isFinite(Number(v))))).toBe(true);
      expect(existsSync(join(out, 'figure.html'))).toBe(true);
      expect(existsSync(join(out, 'plotly.js'))).toBe(false); // the figure links the installed plotly
      expect(readFileSync(join(out, 'figure.html'), 'utf8')).toContain('plotly.js-dist-min/plotly.min.js');
    });
  }

  it('same seed ⇒ byte-identical CSV; --seed changes it', async () => {
    const d = tmp();
    await cli(['run', 'examples/pair-toy-quantile.json', '--out', join(d, 'a'), '--no-png']);
    await cli(['run', 'examples/pair-toy-quantile.json', '--out', join(d, 'b'), '--no-png']);
    await cli(['run', 'examples/pair-toy-quantile.json', '--out', join(d, 'c'), '--no-png', '--seed', '99']);
    const read = (s: string) => readFileSync(join(d, s, 'paths.csv'), 'utf8');
    expect(read('b')).toBe(read('a'));
    expect(read('c')).not.toBe(read('a'));
  });

  it('refuses to overwrite a previous result without --force', async () => {
    const out = join(tmp(), 'out');
    expect((await cli(['run', 'examples/sdde-delayed-ou.json', '--out', out, '--no-png'])).code).toBe(EXIT.ok);
    const again = await cli(['run', 'examples/sdde-delayed-ou.json', '--out', out, '--no-png']);
    expect(again.code).toBe(EXIT.badInput);
    expect(again.err).toContain('--force');
    expect((await cli(['run', 'examples/sdde-delayed-ou.json', '--out', out, '--no-png', '--force'])).code).toBe(EXIT.ok);
  });

  const base = JSON.parse(readFileSync('examples/asgd-least-squares.json', 'utf8'));
  const sdde = JSON.parse(readFileSync('examples/sdde-delayed-ou.json', 'utf8'));
  const pair = JSON.parse(readFileSync('examples/pair-toy-quantile.json', 'utf8'));
  const patch = (obj: object, path: string[], value: unknown) => {
    const copy = structuredClone(obj) as Record<string, unknown>;
    let cur = copy;
    for (const k of path.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
    if (value === undefined) delete cur[path.at(-1)!];
    else cur[path.at(-1)!] = value;
    return copy;
  };
  // a 2-D pair: ASGD on generated least squares beside its SDDE
  const pairLs2d = patch(patch(base, ['kind'], 'pair'), ['asgd', 'objective'], { kind: 'least-squares', n: 50, d: 2 });
  const bad: [string, object, string][] = [
    ['unknown top-level field', { ...base, sed: 1 }, 'sed'],
    ['unknown asgd field', patch(base, ['asgd', 'batchsize'], 3), 'asgd.batchsize'],
    ['eta negative', patch(base, ['asgd', 'eta'], -0.1), 'asgd.eta'],
    ['eta missing', patch(base, ['asgd', 'eta'], undefined), 'asgd.eta'],
    ['eta a string', patch(base, ['asgd', 'eta'], '0.1'), 'asgd.eta'],
    ['batch size 0', patch(base, ['asgd', 'batchSize'], 0), 'asgd.batchSize'],
    ['iterations beyond 2^31 − 1', patch(base, ['asgd', 'iterations'], 2 ** 40), 'asgd.iterations'],
    ['batch size > n without replacement', patch(base, ['asgd', 'batchSize'], 501), 'asgd.batchSize'],
    ['non-integer lag', patch(base, ['asgd', 'delay'], { kind: 'constant', lag: 2.5 }), 'asgd.delay.lag'],
    ['CMP nu 0', patch(base, ['asgd', 'delay'], { kind: 'cmp', lambda: 2, nu: 0, maxLag: 5 }), 'asgd.delay.nu'],
    ['expression does not parse', patch(base, ['asgd', 'objective'], { kind: 'expression', variables: ['x'], components: ['(x+'] }), 'asgd.objective.components[0]'],
    ['expression with unknown variable', patch(base, ['asgd', 'objective'], { kind: 'expression', variables: ['x'], components: ['x*q'] }), 'asgd.objective.components[0]'],
    ['sdde dt 0', patch(sdde, ['sdde', 'dt'], 0), 'sdde.dt'],
    ['sdde T negative', patch(sdde, ['sdde', 'T'], -1), 'sdde.T'],
    ['sdde drift unknown variable', patch(sdde, ['sdde', 'drift'], ['-z']), 'sdde.drift[0]'],
    ['sdde linear drift of wrong shape', patch(sdde, ['sdde', 'drift'], { linear: { y: [[-1, 0]] } }), 'sdde.drift.linear.y[0]'],
    ['sdde negative tau', patch(sdde, ['sdde', 'delay'], { kind: 'constant', tau: -1 }), 'sdde.delay.tau'],
    ['sdde tau off the grid', patch(sdde, ['sdde', 'delay'], { kind: 'constant', tau: 0.0015 }), 'sdde.delay.tau'],
    ['sdde θ(t) beyond its bound', patch(sdde, ['sdde', 'delay'], { kind: 'time-varying', theta: '0.5 + t', tau: 1 }), 'sdde.delay.theta'],
    ['sdde θ(t) with an unknown variable', patch(sdde, ['sdde', 'delay'], { kind: 'time-varying', theta: '0.5 + s', tau: 1 }), 'sdde.delay.theta'],
    ['unknown coupling', patch(pair, ['bridge', 'coupling'], 'magic'), 'bridge.coupling'],
    ['sigma point of wrong length', patch(pair, ['bridge', 'sigma'], { at: [1, 2] }), 'bridge.sigma.at'],
    ['covariance not positive semidefinite', { ...pairLs2d, bridge: { coupling: 'independent', sigma: { covariance: [[1, 2], [2, 1]] } } }, 'bridge.sigma.covariance'],
    ['covariance with a tiny negative variance', { ...pairLs2d, bridge: { coupling: 'independent', sigma: { covariance: [[1e-12, 0], [0, -5e-11]] } } }, 'bridge.sigma.covariance'],
    ['covariance with a non-number entry', { ...pairLs2d, bridge: { coupling: 'independent', sigma: { covariance: [[1, 0], [0, 'x']] } } }, 'bridge.sigma.covariance[1][1]'],
  ];
  for (const [name, config, field] of bad) {
    it(`bad input: ${name} → exit 2 naming ${field}, nothing written`, async () => {
      const d = tmp();
      const file = join(d, 'config.json');
      writeFileSync(file, JSON.stringify(config));
      const out = join(d, 'out');
      const r = await cli(['run', file, '--out', out]);
      expect(r.code, r.err).toBe(EXIT.badInput);
      expect(r.err).toContain(`${field}:`);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(d)).toEqual(['config.json']);
    });
  }
  it('bad input: a config seed that is not a seed is refused even when --seed overrides it', async () => {
    const d = tmp();
    writeFileSync(join(d, 'c.json'), JSON.stringify({ ...sdde, seed: 'not-a-seed' }));
    const r = await cli(['run', join(d, 'c.json'), '--seed', '5', '--out', join(d, 'o')]);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.err).toContain('seed:');
  });
  it('bad input: --out names an existing file (refused before the run)', async () => {
    const d = tmp();
    writeFileSync(join(d, 'file'), 'x');
    const r = await cli(['run', 'examples/sdde-delayed-ou.json', '--out', join(d, 'file')]);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.err).toContain('--out:');
  });
  it('bad input: bridge.delta that overflows T = Kδ', async () => {
    const d = tmp();
    writeFileSync(join(d, 'c.json'), JSON.stringify(patch(pair, ['bridge', 'delta'], 1e308)));
    const r = await cli(['run', join(d, 'c.json'), '--out', join(d, 'o')]);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.err).toContain('bridge.delta:');
  });
  it('a scalar x0 works for a multi-variable expression objective', async () => {
    const d = tmp();
    writeFileSync(join(d, 'c.json'), JSON.stringify(patch(patch(patch(base, ['asgd', 'objective'], { kind: 'expression', variables: ['a', 'b'], components: ['(a-1)^2 + b^2', '(a+1)^2 + 2*b^2'] }), ['asgd', 'batchSize'], 1), ['asgd', 'x0'], 0.5)));
    const r = await cli(['run', join(d, 'c.json'), '--out', join(d, 'o'), '--no-png', '--json']);
    expect(r.code, r.err).toBe(EXIT.ok);
    // x0 = 0.5 applies to both variables: the first row is (0.5, 0.5) with
    // F = ½[((0.5 − 1)² + 0.25) + ((0.5 + 1)² + 2·0.25)] = ½(0.5 + 2.75) = 1.625 (from the components)
    const csv = readFileSync(join(d, 'o', 'paths.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('k,x1,x2,F');
    expect(csv[1].split(',').map(Number)).toEqual([0, 0.5, 0.5, 1.625]);
  });
  it('a mathjs runtime error inside a coefficient (an even root of x < 0) ends the run as diverged, not as a fault', async () => {
    const d = tmp();
    writeFileSync(join(d, 'c.json'), JSON.stringify(patch(patch(sdde, ['sdde', 'drift'], ['-nthRoot(x, 2)']), ['sdde', 'history'], -1.5)));
    const r = await cli(['run', join(d, 'c.json'), '--out', join(d, 'o'), '--no-png', '--json']);
    expect(r.code, r.err).toBe(EXIT.ok);
    expect(JSON.parse(r.out).status).toBe('diverged');
  });
  it('bad input: not JSON, missing file, bad --seed', async () => {
    const d = tmp();
    writeFileSync(join(d, 'x.json'), '{ nope');
    expect((await cli(['run', join(d, 'x.json'), '--out', join(d, 'o')])).code).toBe(EXIT.badInput);
    expect((await cli(['run', join(d, 'missing.json')])).code).toBe(EXIT.badInput);
    expect((await cli(['run', 'examples/sdde-delayed-ou.json', '--seed', '-3', '--out', join(d, 'o')])).code).toBe(EXIT.badInput);
    expect(existsSync(join(d, 'o'))).toBe(false);
  });
  it('a linear drift {linear: {y: [[−1]]}} gives the same path as the expression "-y"', async () => {
    const d = tmp();
    writeFileSync(join(d, 'lin.json'), JSON.stringify(patch(sdde, ['sdde', 'drift'], { linear: { y: [[-1]] } })));
    await cli(['run', join(d, 'lin.json'), '--out', join(d, 'a'), '--no-png']);
    await cli(['run', 'examples/sdde-delayed-ou.json', '--out', join(d, 'b'), '--no-png']);
    expect(readFileSync(join(d, 'a', 'paths.csv'), 'utf8')).toBe(readFileSync(join(d, 'b', 'paths.csv'), 'utf8'));
  });
  it('a time-varying delay θ(t) given as an expression runs', async () => {
    const d = tmp();
    const file = join(d, 'tv.json');
    writeFileSync(file, JSON.stringify(patch(sdde, ['sdde', 'delay'], { kind: 'time-varying', theta: '0.5 + 0.4 * sin(t)', tau: 0.9 })));
    const r = await cli(['run', file, '--out', join(d, 'o'), '--json', '--no-png']);
    expect(r.code, r.err).toBe(EXIT.ok);
    expect(JSON.parse(r.out).status).toBe('ok');
    // the expression is really read: θ(t) ≡ 1 written as an expression gives the constant-delay
    // example's path bit for bit (that path is checked against closed forms in test/sdde/)
    const one = join(d, 'one.json');
    writeFileSync(one, JSON.stringify(patch(sdde, ['sdde', 'delay'], { kind: 'time-varying', theta: '1 + 0 * sin(t)', tau: 1 })));
    expect((await cli(['run', one, '--out', join(d, 'one'), '--no-png'])).code).toBe(EXIT.ok);
    await cli(['run', 'examples/sdde-delayed-ou.json', '--out', join(d, 'const'), '--no-png']);
    expect(readFileSync(join(d, 'one', 'paths.csv'), 'utf8')).toBe(readFileSync(join(d, 'const', 'paths.csv'), 'utf8'));
    // and the varying delay changes the path
    expect(readFileSync(join(d, 'o', 'paths.csv'), 'utf8')).not.toBe(readFileSync(join(d, 'const', 'paths.csv'), 'utf8'));
  });
  it('a diverging run exits 0 and reports status diverged with the step', async () => {
    const d = tmp();
    const file = join(d, 'div.json');
    writeFileSync(file, JSON.stringify(patch(patch(base, ['asgd', 'eta'], 50), ['asgd', 'saveEvery'], 1)));
    const r = await cli(['run', file, '--out', join(d, 'o'), '--json', '--no-png']);
    expect(r.code).toBe(EXIT.ok);
    const s = JSON.parse(r.out);
    expect(s.status).toBe('diverged');
    expect(s.divergence.step).toBeGreaterThan(0);
    const csv = readFileSync(join(d, 'o', 'paths.csv'), 'utf8');
    expect(csv).not.toMatch(/NaN|Infinity/);
    // the loss overflows before the iterate does: an empty cell marks it as not representable
    expect(csv).toMatch(/,\n/);
    expect(csv.trim().split('\n').length - 1).toBe(s.divergence.step);
  });
});

describe('fig1', () => {
  it('writes CSV, HTML, JSON (and a PNG when Chromium is installed, else says how to get it)', async () => {
    const out = join(tmp(), 'fig');
    const r = await cli(['fig1', '--out', out, '--json']);
    expect(r.code, r.err).toBe(EXIT.ok);
    const s = JSON.parse(r.out);
    expect(s.settings.eta).toBe(0.005);
    expect(s.settings.iterations).toBe(2000);
    expect(s.status).toEqual({ asgd: 'ok', sdde: 'ok', sgd: 'ok', sde: 'ok' });
    const csv = readFileSync(join(out, 'fig1-path-comparison.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('k,t,asgd,sdde,sgd,sde');
    expect(csv.length).toBe(2002);
    expect(csv[1]).toBe('0,0,4,4,4,4');
    expect(readFileSync(join(out, 'fig1-path-comparison.html'), 'utf8')).toContain('plotly.js-dist-min/plotly.min.js"');
    const hasChromium = existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
    if (process.env.CI && !hasChromium) throw new Error('CI must install chromium (apt-get install -y chromium)');
    if (hasChromium) {
      const png = readFileSync(join(out, 'fig1-path-comparison.png'));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.readUInt32BE(16)).toBeGreaterThan(1000); // width
    } else {
      expect(r.err).toContain('apt-get install -y chromium');
      expect(existsSync(join(out, 'fig1-path-comparison.png'))).toBe(false);
    }
  });
  it('the coupled variants run too', async () => {
    for (const coupling of ['quantile', 'shared-brownian']) {
      const r = await cli(['fig1', '--out', join(tmp(), coupling), '--coupling', coupling, '--no-png', '--json']);
      expect(r.code, r.err).toBe(EXIT.ok);
      const s = JSON.parse(r.out);
      expect(s.coupling).toBe(coupling);
      expect(s.status).toEqual({ asgd: 'ok', sdde: 'ok', sgd: 'ok', sde: 'ok' });
      // the coupled paths stay within the distance bound of test/bridge/pair.test.ts: the RMS is at
      // most max |D| < c·s, with s = 0.045 the quantile coupling's stationary sd of D (η√(E ε²Σh²)
      // there; the shared-Brownian D, a discretization error, is smaller) and c = Φ⁻¹(1 − 10⁻³/4002) = 4.4
      expect(s.rmsDistance.a).toBeLessThan(4.4 * 0.045);
      expect(s.rmsDistance.b).toBeLessThan(4.4 * 0.045);
    }
  });
});

describe('staleness', () => {
  it('prints the histogram and the model fits; --out writes JSON, CSV and HTML', async () => {
    const out = tmp();
    const r = await cli(['staleness', '--workers', '4', '--compute', 'constant:1', '--updates', '400', '--out', out, '--no-png']);
    expect(r.code, r.err).toBe(EXIT.ok);
    expect(r.out).toMatch(/mean 3\.00/); // N − 1 with equal compute times
    expect(r.out).toMatch(/geometric/);
    for (const f of ['staleness.json', 'staleness.csv', 'staleness.html']) expect(existsSync(join(out, f)), f).toBe(true);
    const j = JSON.parse(readFileSync(join(out, 'staleness.json'), 'utf8'));
    expect(j.settings.seed).toBe(1);
    expect(j.version).toBeTruthy();
    expect(j.results[0].meanStaleness).toBeCloseTo(3, 12);
    // refuses to overwrite without --force
    const again = await cli(['staleness', '--workers', '4', '--compute', 'constant:1', '--updates', '400', '--out', out, '--no-png']);
    expect(again.code).toBe(EXIT.badInput);
    expect(again.err).toMatch(/already holds a result.*--force/);
  });
  it('several worker counts: a Table I analog; same seed ⇒ same JSON', async () => {
    const a = await cli(['staleness', '--workers', '2,4', '--updates', '2000', '--json']);
    const b = await cli(['staleness', '--workers', '2,4', '--updates', '2000', '--json']);
    expect(a.code).toBe(EXIT.ok);
    expect(a.out).toBe(b.out);
    expect(JSON.parse(a.out).results.map((x: { workers: number }) => x.workers)).toEqual([2, 4]);
  });
  for (const [args, field] of [
    [['--workers', '0'], '--workers'],
    [['--workers', '4,-1'], '--workers'],
    [['--compute', 'normal:1'], '--compute'],
    [['--compute', 'normal:1:-2'], '--compute.sd'],
    [['--compute', 'constant:-1'], '--compute.mean'],
    [['--compute', 'gamma:1'], '--compute'],
    [['--global', '0'], '--global'],
    [['--local', '2.5'], '--local'],
    [['--mode', 'sync', '--pull-every', '0'], '--pull-every'],
    [['--mode', 'sync', '--global', '2'], '--mode'],
    [['--pull-every', '3'], '--pull-every'],
    [['--updates', '5'], '--updates'],
    [['--threads-real', '0'], '--threads-real'],
    [['--threads-real', '2', '--global', '2'], '--global'],
    [['--threads-real', '2', '--objective', '{bad'], '--objective'],
    [['--threads-real', '2', '--objective', '{"kind":"least-squares","n":-3}'], '--objective.n'],
    [['--threads-real', '2', '--batch', '0'], '--batch'],
    [['--batch', '4'], '--batch'],
  ] as const) {
    it(`bad input ${args.join(' ')} → exit 2 naming ${field}`, async () => {
      const out = tmp();
      const r = await cli(['staleness', ...args, '--out', join(out, 'x')]);
      expect(r.code).toBe(EXIT.badInput);
      expect(r.err).toContain(field);
      expect(existsSync(join(out, 'x'))).toBe(false);
    });
  }
  it('--threads-real: measured staleness on real threads beside the simulated server (2 threads, bounded)', async () => {
    const out = tmp();
    const r = await cli(['staleness', '--threads-real', '2', '--objective', '{"kind":"least-squares","n":300,"d":8,"seed":1}', '--batch', '8', '--updates', '300', '--runs', '2', '--out', out, '--no-png']);
    expect(r.code, r.err).toBe(EXIT.ok);
    expect(r.out).toMatch(/2 threads/);
    expect(r.out).toMatch(/2 simulated/);
    for (const f of ['staleness.json', 'staleness.csv', 'staleness.html']) expect(existsSync(join(out, f)), f).toBe(true);
    const j = JSON.parse(readFileSync(join(out, 'staleness.json'), 'utf8'));
    expect(j.command).toBe('staleness --threads-real');
    expect(j.results[0].workers).toBe(2);
    expect(j.results[0].runs).toHaveLength(2);
    expect(['exponential', 'normal', 'lognormal']).toContain(j.results[0].computeTime.law.kind);
    const pmf: number[] = j.results[0].measured.histogram;
    expect(pmf.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 12);
  });
});
