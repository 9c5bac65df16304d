/**
 * mathjs contained (issue 14, item 3). User expressions — objective components, SDDE drift and
 * diffusion, θ(t) — may use numbers, variables, a few constants, arithmetic / comparison / logical
 * operators, `a ? b : c`, array literals and the pure functions listed in docs/cli.md ("Expressions").
 * Everything else is refused before any work with a ConfigError naming the field and the function:
 * fast-check (fixed seeds) embeds hostile pieces in valid expressions — every other mathjs function
 * (random, import, createUnit, config, evaluate, ones, range …), ranges, assignments, blocks, objects,
 * strings, units, non-finite literals, deep bracket nesting, sums too long to compile — and checks
 * the refusal; valid random expressions still compile and their symbolic derivatives agree with
 * central finite differences (the independent reference).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expressionObjective } from '../../src/asgd/objectives/expression.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { prepareExperiment } from '../../src/experiments/config.ts';
import { runCli } from '../helpers/cli-process.ts';

/** The promise docs/cli.md makes: the functions an expression may call (all pure, none builds a matrix from numbers). */
const PROMISED = new Set([
  'abs', 'sign', 'sqrt', 'cbrt', 'square', 'cube', 'pow', 'nthRoot', 'hypot', 'exp', 'expm1', 'log', 'log10', 'log2', 'log1p',
  'mod', 'floor', 'ceil', 'round', 'fix', 'min', 'max', 'add', 'subtract', 'multiply', 'divide', 'unaryMinus', 'unaryPlus',
  'sin', 'cos', 'tan', 'sec', 'csc', 'cot', 'asin', 'acos', 'atan', 'atan2', 'asec', 'acsc', 'acot',
  'sinh', 'cosh', 'tanh', 'sech', 'csch', 'coth', 'asinh', 'acosh', 'atanh', 'asech', 'acsch', 'acoth',
  'erf', 'gamma', 'lgamma', 'factorial', 'sum', 'prod', 'mean', 'norm', 'dot',
]);

// every function of a full mathjs instance that is not promised: each must be refused by name
const math = (createRequire(import.meta.url)('mathjs') as typeof import('mathjs'));
const full = math.create(math.all, {}) as unknown as Record<string, unknown>;
// (not, and, or, xor are operators, parsed as such even when written like calls: `not(x)` is `not x`)
const OPERATOR_WORDS = new Set(['not', 'and', 'or', 'xor']);
const REFUSED = Object.keys(full).filter((k) => typeof full[k] === 'function' && /^[a-z][A-Za-z0-9]*$/.test(k) && !PROMISED.has(k) && !OPERATOR_WORDS.has(k));

/** The ConfigError an objective with this one component throws, or null if it is accepted. */
function refusal(component: string): ConfigError | null {
  try {
    expressionObjective({ variables: ['x'], components: [component] }, 'objective', [0.5]);
    return null;
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw new Error(`not a ConfigError for ${JSON.stringify(component.slice(0, 200))}: ${(e as Error).stack}`);
  }
}

const valid = fc.constantFrom('x', '(x+1)^2', 'sin(x)', '0.5*x^2', 'exp(-x^2)', 'log(1+x^2)', '3');
const args = fc.constantFrom('x', '1', '2, 3', 'x, 1', '[1, 2]', '"s"', '');
const call = fc.tuple(fc.constantFrom(...REFUSED), args).map(([f, a]) => ({ piece: `${f}(${a})`, names: f }));
const syntax = fc.constantFrom(
  { piece: '1:1e9', names: 'range' },
  { piece: 'sum(1:1e8)', names: 'range' },
  { piece: 'size(1:1e9)', names: 'size' },
  { piece: 'ones(1e5, 1e5)', names: 'ones' },
  { piece: 'a = 1', names: 'assignment' },
  { piece: 'f(t) = t', names: 'assignment' },
  { piece: '{a: 1}', names: 'object' },
  { piece: '[1, 2][1]', names: 'accessor' },
  { piece: '"abc"', names: 'not a number' },
  { piece: 'true', names: 'not a number' },
  { piece: 'NaN', names: 'NaN' },
  { piece: 'Infinity', names: 'Infinity' },
  { piece: '1e400', names: 'not finite' },
  { piece: '5 cm', names: 'cm' },
  { piece: 'x & 1', names: 'bitAnd' },
  { piece: "x'", names: 'transpose' },
  { piece: 'x to cm', names: 'to' },
  { piece: 'i', names: 'i' },
);
const hostile = fc.tuple(valid, fc.oneof(call, syntax), valid, fc.constantFrom('+', '*', '-')).map(([l, h, r, op]) => ({ expr: `${l} ${op} (${h.piece}) ${op} ${r}`, names: h.names }));

describe('hostile expressions are refused naming the field and the function', () => {
  it(`every mathjs function outside the promised list (${REFUSED.length} of them) and every forbidden construct`, () => {
    expect(REFUSED).toEqual(expect.arrayContaining(['random', 'import', 'createUnit', 'config', 'evaluate', 'parse', 'simplify', 'derivative', 'ones', 'zeros', 'range', 'matrix', 'combinations', 'pickRandom', 'randomInt']));
    fc.assert(
      fc.property(hostile, ({ expr, names }) => {
        const e = refusal(expr);
        expect(e, expr).not.toBeNull();
        expect(e!.field).toBe('objective.components[0]');
        expect(e!.reason).toContain(names);
      }),
      { seed: 14_03, numRuns: 600 },
    );
  });
  it('each of them, called on x, one by one', () => {
    for (const f of REFUSED) {
      const e = refusal(`x + ${f}(x)`);
      expect(e, f).not.toBeNull();
      expect(e!.reason, f).toContain(`'${f}'`);
    }
  });
  it('deep bracket nesting, deep unary chains and sums too long to compile are refused, not a stack overflow', () => {
    fc.assert(
      fc.property(fc.integer({ min: 101, max: 20_000 }), fc.constantFrom('paren', 'unary', 'sum', 'pow'), (n, shape) => {
        const expr = shape === 'paren' ? '('.repeat(n) + 'x' + ')'.repeat(n) : shape === 'unary' ? '-'.repeat(n * 5) + 'x' : shape === 'sum' ? Array(n * 20).fill('x').join('+') : Array(n * 5).fill('x').join('^');
        const e = refusal(expr);
        expect(e, `${shape} ${n}`).not.toBeNull();
        expect(e!.field).toBe('objective.components[0]');
      }),
      { seed: 14_04, numRuns: 40 },
    );
  });
  it('a 10^5-term x+x+… (the campaign case) is refused with its length', () => {
    const e = refusal(Array(100_000).fill('x').join('+'));
    expect(e?.reason).toMatch(/characters long/);
  });
  it('the same whitelist guards SDDE coefficients and θ(t) (fields named)', () => {
    const sdde = (patch: Record<string, unknown>) => ({ kind: 'sdde', seed: 1, sdde: { dim: 1, drift: ['-y'], diffusion: { noise: 'diagonal', g: ['0.3'] }, history: 1, T: 1, dt: 0.01, delay: { kind: 'constant', tau: 0.1 }, ...patch } });
    const cases: [Record<string, unknown>, string, string][] = [
      [{ drift: ['random()'] }, 'sdde.drift[0]', 'random'],
      [{ drift: ['sum(1:1e8)'] }, 'sdde.drift[0]', 'range'],
      [{ diffusion: { noise: 'diagonal', g: ['import({a: 1})'] } }, 'sdde.diffusion.g[0]', 'import'],
      [{ diffusion: { noise: 'full', g: [['config({})', '0']] } }, 'sdde.diffusion.g[0][0]', 'config'],
      [{ delay: { kind: 'time-varying', theta: 'combinations(t, 2)', tau: 0.5 } }, 'sdde.delay.theta', 'combinations'],
      [{ delay: { kind: 'time-varying', theta: 'evaluate("0.1")', tau: 0.5 } }, 'sdde.delay.theta', 'evaluate'],
    ];
    for (const [patch, field, name] of cases) {
      let err: unknown;
      try {
        prepareExperiment(sdde(patch));
      } catch (e) {
        err = e;
      }
      expect(err, field).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe(field);
      expect((err as ConfigError).reason).toContain(name);
    }
  });
});

describe('valid expressions keep working, with symbolic derivatives', () => {
  // smooth random expressions in x from the whitelist
  const leaf = fc.oneof(fc.constant('x'), fc.integer({ min: 1, max: 5 }).map(String), fc.constant('pi'));
  const expr: fc.Arbitrary<string> = fc.letrec((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.tuple(tie('e'), fc.constantFrom('+', '-', '*'), tie('e')).map(([a, op, b]) => `(${a} ${op} ${b})`),
      fc.tuple(fc.constantFrom('sin', 'cos', 'tanh', 'atan', 'exp'), tie('e')).map(([f, a]) => (f === 'exp' ? `exp(-(${a})^2)` : `${f}(${a})`)),
      tie('e').map((a) => `sqrt(1 + (${a})^2)`),
      tie('e').map((a) => `log(1 + (${a})^2)`),
    ),
  })).e;
  it('compile, and d/dx agrees with a central difference at random points', () => {
    fc.assert(
      fc.property(expr, fc.double({ min: -2, max: 2, noNaN: true }), (f, x) => {
        const obj = expressionObjective({ variables: ['x'], components: [f] }, 'objective', [0.3]);
        const h = 1e-5;
        const at = (v: number) => obj.value(Float64Array.of(v));
        const g = new Float64Array(1);
        obj.componentGradient(0, Float64Array.of(x), g);
        const fd = (at(x + h) - at(x - h)) / (2 * h);
        // central difference: truncation O(h²·f‴) and rounding O(ε·|f|/h); both far below 1e-4·scale here
        expect(Math.abs(g[0] - fd), `${f} at ${x}: symbolic ${g[0]}, difference ${fd}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(fd), Math.abs(at(x))));
      }),
      { seed: 14_05, numRuns: 150 },
    );
  });
  it('a logistic data expression with a 30- and a 300-term linear predictor builds without hanging (no mathjs simplify), gradients against central differences', () => {
    // mathjs's simplify took 35 s for d/dw0 of a 25-term sum w_i·a_i and did not finish at 50 terms
    for (const terms of [30, 300]) {
      const d = 30;
      const vars = Array.from({ length: d }, (_, i) => `w${i}`);
      const data: Record<string, number[]> = { y: [1, -1, 1, -1] };
      for (let j = 0; j < d; j++) data[`a${j}`] = [0.1 * (j % 7) - 0.3, 0.05 * j, -0.2, 0.3 * Math.sin(j)];
      const expression = `log(1 + exp(-y*(${Array.from({ length: terms }, (_, i) => `w${i % d}*a${i % d}`).join(' + ')})))`;
      const obj = expressionObjective({ variables: vars, expression, data }, 'objective', [0.1]);
      const x = Float64Array.from({ length: d }, (_, j) => 0.1 * Math.cos(j));
      const g = new Float64Array(d);
      obj.gradient(x, g);
      const h = 1e-6;
      for (const j of [0, 7, d - 1]) {
        const xp = Float64Array.from(x);
        const xm = Float64Array.from(x);
        xp[j] += h;
        xm[j] -= h;
        const fd = (obj.value(xp) - obj.value(xm)) / (2 * h);
        expect(Math.abs(g[j] - fd), `${terms} terms, ∂/∂w${j}: symbolic ${g[j]}, difference ${fd}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(fd)));
      }
    }
  });
  it('components whose value is NaN or beyond the double range at x0 are refused (not run as "ok" with F null)', () => {
    for (const c of ['NaN', '1e400', 'x*1e400', '0/0 + x', 'log(0) + x']) {
      const e = refusal(c);
      expect(e, c).not.toBeNull();
      expect(e!.field).toBe('objective.components[0]');
    }
  });
});

describe('the campaign cases through the command (child processes: an OOM or a hang fails, not the runner)', () => {
  const cases: [string, Record<string, unknown>, string, string][] = [
    ['random() in a drift', { drift: ['random()'] }, 'sdde.drift[0]', 'random'],
    ['ones(1e5, 1e5) in a drift', { drift: ['size(ones(1e5, 1e5))[1]'] }, 'sdde.drift[0]', 'ones'],
    ['size(1:1e9) in a drift', { drift: ['size(1:1e9)[1]'] }, 'sdde.drift[0]', 'size'],
    ['sum(1:1e8) in a drift', { drift: ['sum(1:1e8)'] }, 'sdde.drift[0]', 'range'],
    ['a 10^5-term x+x+…', { drift: [Array(100_000).fill('x').join('+')] }, 'sdde.drift[0]', 'characters'],
    ['createUnit in a diffusion', { diffusion: { noise: 'diagonal', g: ['createUnit("foo")'] } }, 'sdde.diffusion.g[0]', 'createUnit'],
    ['combinations(t, 2) as θ(t)', { delay: { kind: 'time-varying', theta: 'combinations(t, 2)', tau: 0.5 } }, 'sdde.delay.theta', 'combinations'],
  ];
  for (const [name, patch, field, fn] of cases) {
    it(`${name} → exit 2 naming ${field} and ${fn}, nothing written`, async () => {
      const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-hostile-'));
      writeFileSync(join(d, 'c.json'), JSON.stringify({ kind: 'sdde', seed: 1, sdde: { dim: 1, drift: ['-y'], diffusion: { noise: 'diagonal', g: ['0.3'] }, history: 1, T: 1, dt: 0.01, delay: { kind: 'constant', tau: 0.1 }, ...patch } }));
      const r = await runCli(['run', join(d, 'c.json'), '--out', join(d, 'o'), '--no-png'], { timeoutMs: 30_000 });
      expect(r.code, `${r.signal ?? ''} ${r.stderr.slice(0, 500)}`).toBe(2);
      expect(r.stderr).toContain(`${field}:`);
      expect(r.stderr).toContain(fn);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(d, 'o'))).toBe(false);
    });
  }
});
